package fiber

// Group runs a set of child fibers as a unit, like
// [golang.org/x/sync/errgroup] for fibers: [Group.Go] spawns a member,
// [Group.Wait] waits for all of them and returns the first error. The first
// member to fail cancels the others with its error as the cause.
//
// Members are children of the fiber that spawned them, so they are also
// cancelled with it and it does not finish before they do. A member's
// unsupervised panic fails the scheduler's owner as usual; pass
// [Supervised] to [Group.Go] to make it the member's error instead.
//
// The zero value is an empty group, ready to use. A Group must not be copied
// after first use. It must be used only by the owner of its fibers.
type Group struct {
	members waitq[struct{}] // live members, in the order they joined: cancellation order is deterministic
	err     error
	waiters waitq[struct{}]
}

// Go spawns a member of the group: a child of f running fn, which runs until
// its first suspension point before Go returns (see [Fiber.Spawn]). If the
// group already failed, the member starts cancelled with the group's error.
//
// Go does not suspend. It must be called from inside f.
func (g *Group) Go(f *Fiber, name string, fn func(*Fiber) error, opts ...SpawnOption) *Fiber {
	if f.s.current != f {
		misuse("Group.Go called from outside the fiber")
	}
	cfg := spawnOptions(opts)
	cfg.group = g
	return f.s.spawn(f, name, func(c *Fiber) error {
		err := fn(c)
		if err != nil {
			// Fail the group now, before the member's own children are
			// cancelled and finish with errors of their own.
			g.fail(err)
		}
		return err
	}, cfg)
}

// join makes the new fiber c, not yet running, a member of the group; a
// member of a group that already failed starts cancelled with its error.
func (g *Group) join(c *Fiber) {
	m := &waiter[struct{}]{f: c}
	c.onExit = func(*Fiber) { g.exited(m) }
	g.members.push(m)
	if g.err != nil && c.cancelled == nil {
		c.cancelled = cancelErr(g.err)
	}
}

// fail records the group's first error and cancels the live members with it,
// in the order they joined (cancel only queues them to run, so the list does
// not change under the loop).
func (g *Group) fail(err error) {
	if g.err != nil {
		return
	}
	g.err = err
	for o := g.members.head; o != nil; o = o.next {
		o.f.s.cancel(o.f, err)
	}
}

// exited is called as member m finishes; a supervised member's panic
// fails the group here.
func (g *Group) exited(m *waiter[struct{}]) {
	g.members.remove(m)
	if m.f.err != nil {
		g.fail(m.f.err)
	}
	if g.members.n == 0 {
		for w := g.waiters.pop(); w != nil; w = g.waiters.pop() {
			w.f.s.wake(w.f, nil)
		}
	}
}

// Wait suspends f until every member spawned so far is done, then returns
// the first error a member returned (nil if none did). If f is cancelled
// first, Wait returns the cancellation error.
//
// Wait is a suspension point: it must be called by f itself.
func (g *Group) Wait(f *Fiber) error {
	for g.members.n > 0 {
		w := &waiter[struct{}]{f: f}
		g.waiters.push(w)
		if err := f.suspend("group", w); err != nil {
			return err
		}
	}
	return g.err
}

// Err returns the first error a member returned, or nil.
func (g *Group) Err() error { return g.err }
