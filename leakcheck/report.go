package leakcheck

import (
	"bufio"
	"bytes"
	"fmt"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
)

const weftPrefix = "github.com/weft-go/weft/"

// group is one group of identical goroutines in a goroutine profile.
type group struct {
	count  int
	labels map[string]string
	frames []frame // innermost first
}

// frame is one stack frame: its function and "file:line".
type frame struct {
	fn, pos string
}

// parseProfile parses a goroutine profile written with debug=1.
func parseProfile(b []byte) []group {
	var groups []group
	var g *group
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			g = nil
		case strings.HasPrefix(line, "# labels: "):
			if g != nil {
				g.labels = parseLabels(strings.TrimPrefix(line, "# labels: "))
			}
		case strings.HasPrefix(line, "#\t"):
			if g != nil {
				// "#\t0xpc\tfunc+0xoff\tfile:line"
				fields := strings.Split(line, "\t")
				if len(fields) >= 4 {
					fn, _, _ := strings.Cut(fields[2], "+0x")
					g.frames = append(g.frames, frame{fn: strings.TrimSpace(fn), pos: strings.TrimSpace(fields[3])})
				}
			}
		default:
			if n, rest, ok := strings.Cut(line, " @ "); ok && rest != "" {
				if c, err := strconv.Atoi(n); err == nil {
					groups = append(groups, group{count: c})
					g = &groups[len(groups)-1]
				}
			}
		}
	}
	return groups
}

// parseLabels parses `{"k":"v", "k2":"v2"}`.
func parseLabels(s string) map[string]string {
	m := make(map[string]string)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	for _, kv := range strings.Split(s, `", "`) {
		k, v, ok := strings.Cut(kv, `":"`)
		if !ok {
			continue
		}
		m[strings.Trim(k, `"`)] = strings.Trim(v, `"`)
	}
	return m
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
	for _, f := range g.frames {
		if strings.HasPrefix(f.fn, fn) {
			return true
		}
	}
	return false
}

// wait returns the Weft call a goroutine is parked in and the first user
// frame below it.
func (g group) wait() (weft, user frame) {
	for _, f := range g.frames {
		switch {
		case isPlumbing(f.fn):
		case isWeft(f.fn):
			weft = f
		default:
			return weft, f
		}
	}
	return weft, user
}

// topUser returns the innermost frame outside Weft and the runtime.
func (g group) topUser() frame {
	for _, f := range g.frames {
		if !isPlumbing(f.fn) && !isWeft(f.fn) {
			return f
		}
	}
	return frame{}
}

func short(fn string) string { return strings.TrimPrefix(fn, weftPrefix) }

func (g group) times() string {
	if g.count == 1 {
		return ""
	}
	return fmt.Sprintf(" (×%d)", g.count)
}

func (g group) owner() string {
	var b strings.Builder
	if name, ok := g.labels["weft.fiber"]; ok {
		fmt.Fprintf(&b, "fiber %q", name)
	} else {
		b.WriteString("a fiber")
	}
	if a, ok := g.labels["weft.actor"]; ok {
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
			lines = append(lines, fmt.Sprintf("Await call of %s still running%s: %s (%s)", g.owner(), g.times(), u.fn, u.pos))
		case g.has(weftPrefix + "fiber.(*Fiber).body"):
			w, u := g.wait()
			line := fmt.Sprintf("%s suspended%s in %s, called from %s (%s)", g.owner(), g.times(), short(w.fn), u.fn, u.pos)
			if site, ok := g.labels["weft.spawned"]; ok {
				line += "; spawned by " + site
			}
			lines = append(lines, line)
		case g.has(weftPrefix + "actor.(*dispatcher).worker"):
			lines = append(lines, fmt.Sprintf("an actor.System was not shut down: %d worker goroutine(s) alive (call System.Shutdown)", g.count))
		case g.labels["weft.fiber"] != "":
			u := g.topUser()
			lines = append(lines, fmt.Sprintf("goroutine started by %s%s: %s (%s)", g.owner(), g.times(), u.fn, u.pos))
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
