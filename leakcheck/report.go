package leakcheck

import (
	"bytes"
	"fmt"
	"runtime/pprof"
	"sort"
	"strings"

	"github.com/weft-go/weft/internal/goprof"
)

const weftPrefix = "github.com/weft-go/weft/"

// group is one group of identical goroutines in a goroutine profile.
type group struct{ goprof.Group }

// frame is one stack frame.
type frame = goprof.Frame

// parseProfile parses a goroutine profile written with debug=1.
func parseProfile(b []byte) []group {
	var groups []group
	for _, g := range goprof.Parse(b) {
		groups = append(groups, group{g})
	}
	return groups
}

// isWeft reports whether fn is in a non-test package of Weft.
func isWeft(fn string) bool {
	rest, ok := strings.CutPrefix(fn, weftPrefix)
	if !ok {
		return false
	}
	pkg, _, _ := strings.Cut(rest, ".")
	return !strings.HasSuffix(pkg, "_test")
}

func isPlumbing(fn string) bool {
	return strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "iter.") || strings.HasPrefix(fn, "internal/")
}

func (g group) has(fn string) bool {
	for _, f := range g.Frames {
		if strings.HasPrefix(f.Func, fn) {
			return true
		}
	}
	return false
}

// wait returns the Weft call a goroutine is parked in and the first user
// frame below it.
func (g group) wait() (weft, user frame) {
	for _, f := range g.Frames {
		switch {
		case isPlumbing(f.Func):
		case isWeft(f.Func):
			weft = f
		default:
			return weft, f
		}
	}
	return weft, user
}

// topUser returns the innermost frame outside Weft and the runtime.
func (g group) topUser() frame {
	for _, f := range g.Frames {
		if !isPlumbing(f.Func) && !isWeft(f.Func) {
			return f
		}
	}
	return frame{}
}

func short(fn string) string { return strings.TrimPrefix(fn, weftPrefix) }

func (g group) times() string {
	if g.Count == 1 {
		return ""
	}
	return fmt.Sprintf(" (×%d)", g.Count)
}

func (g group) owner() string {
	var b strings.Builder
	if name, ok := g.Labels["weft.fiber"]; ok {
		fmt.Fprintf(&b, "fiber %q", name)
	} else {
		b.WriteString("a fiber")
	}
	if a, ok := g.Labels["weft.actor"]; ok {
		fmt.Fprintf(&b, " of actor %s", a)
	}
	return b.String()
}

// weftReport describes the Weft resources among the live goroutines: one
// line per fiber, Await call or actor system, naming what it is and what it
// waits on. It returns "" if there are none.
func weftReport() string {
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		return ""
	}
	var lines []string
	for _, g := range parseProfile(buf.Bytes()) {
		if g.has(weftPrefix + "leakcheck.") {
			continue // the checker itself
		}
		switch {
		case g.has(weftPrefix + "fiber.(*Scheduler).offload"):
			u := g.topUser()
			lines = append(lines, fmt.Sprintf("Await call of %s still running%s: %s (%s)", g.owner(), g.times(), u.Func, u.Pos))
		case g.has(goprof.FiberBody):
			w, u := g.wait()
			line := fmt.Sprintf("%s suspended%s in %s, called from %s (%s)", g.owner(), g.times(), short(w.Func), u.Func, u.Pos)
			if site, ok := g.Labels["weft.spawned"]; ok {
				if !strings.Contains(site, " ") { // a function, not "function file:line"
					line += "; runs " + site + " (for its spawn site, turn on fiber.SchedulerConfig.SpawnSites)"
				} else {
					line += "; spawned by " + site
				}
			}
			lines = append(lines, line)
		case g.has(weftPrefix+"actor.(*dispatcher).worker") || g.has(weftPrefix+"actor.(*serialDispatcher).worker"):
			lines = append(lines, fmt.Sprintf("an actor.System was not shut down: %d worker goroutine(s) alive (call System.Shutdown)", g.Count))
		case g.has(weftPrefix + "actor.(*System).watch"):
			lines = append(lines, "an actor.System's slice watchdog is still running (call System.Shutdown)")
		case g.Labels["weft.fiber"] != "":
			u := g.topUser()
			lines = append(lines, fmt.Sprintf("goroutine started by %s%s: %s (%s)", g.owner(), g.times(), u.Func, u.Pos))
		}
	}
	if len(lines) == 0 {
		return ""
	}
	sort.Strings(lines)
	return "leaked Weft resources:\n\t" + strings.Join(lines, "\n\t") + "\n"
}

// describe combines the Weft report with goleak's raw dump.
func describe(err error) string {
	return weftReport() + err.Error()
}
