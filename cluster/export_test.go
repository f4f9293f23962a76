package cluster

// KillRemote stops m's remote layer and nothing else, as if the member's
// network went away: its provider still reports it, it no longer answers.
func KillRemote(m *Member) { step(func() { stopRemote(m.c.Remote) }) }
