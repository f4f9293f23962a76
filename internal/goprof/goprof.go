// Package goprof reads the goroutine profile (runtime/pprof, debug=1):
// groups of identical goroutines with their pprof labels and stacks. Weft
// uses it to name goroutines by the labels its fibers carry: leak reports
// (package leakcheck), the stacks of a wait cycle (package bridge) and of a
// stalled actor (package actor).
//
// # Concurrency
//
// Its functions are safe for concurrent use; a [Group] is a plain value.
package goprof

import (
	"bufio"
	"bytes"
	"runtime/pprof"
	"strconv"
	"strings"
)

// Group is one group of identical goroutines (same stack, same labels) in
// a goroutine profile.
type Group struct {
	// Count is the number of goroutines in the group.
	Count int
	// Labels are the goroutines' pprof labels.
	Labels map[string]string
	// Frames is the stack, innermost first.
	Frames []Frame
}

// Frame is one stack frame.
type Frame struct {
	// Func is the function's full name; Pos is "file:line".
	Func, Pos string
}

// Snapshot takes the goroutine profile and parses it. It stops the world
// for a moment, as every goroutine profile does.
func Snapshot() []Group {
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		return nil
	}
	return Parse(buf.Bytes())
}

// Find returns the groups of a fresh [Snapshot] whose labels include every
// key/value pair of want.
func Find(want map[string]string) []Group {
	var found []Group
	for _, g := range Snapshot() {
		if g.HasLabels(want) {
			found = append(found, g)
		}
	}
	return found
}

// HasLabels reports whether the group's labels include every key/value
// pair of want.
func (g Group) HasLabels(want map[string]string) bool {
	for k, v := range want {
		if g.Labels[k] != v {
			return false
		}
	}
	return true
}

// Has reports whether a frame of the group's stack is in a function whose
// name starts with prefix.
func (g Group) Has(prefix string) bool {
	for _, f := range g.Frames {
		if strings.HasPrefix(f.Func, prefix) {
			return true
		}
	}
	return false
}

// FiberBody is the function at the bottom of every fiber's stack.
const FiberBody = "github.com/weft-go/weft/fiber.(*Fiber).body"

// TurnBody is the function an actor host's turn runs under.
const TurnBody = "github.com/weft-go/weft/bridge.(*Host).Receive"

// Code names what an actor runs: one of its fibers (by ID) or, with
// Fiber empty, its handler's turn.
type Code struct {
	Actor, Fiber string
}

// Stacks indexes the stacks of the actors' fibers and turns in groups by
// the labels Weft gives them ("weft.actor" with "weft.fiber.id", or with
// "weft.turn"). Goroutines started by that code inherit its labels (timer
// callbacks, Await calls); only the fiber's coroutine, or the turn's
// goroutine, is indexed.
func Stacks(groups []Group) map[Code]string {
	stacks := make(map[Code]string)
	for _, g := range groups {
		a := g.Labels["weft.actor"]
		switch {
		case a == "":
		case g.Labels["weft.fiber.id"] != "" && g.Has(FiberBody):
			stacks[Code{a, g.Labels["weft.fiber.id"]}] = g.Stack()
		case g.Labels["weft.turn"] != "" && g.Has(TurnBody):
			stacks[Code{Actor: a}] = g.Stack()
		}
	}
	return stacks
}

// Parse parses a goroutine profile written with debug=1.
func Parse(b []byte) []Group {
	var groups []Group
	var g *Group
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			g = nil
		case strings.HasPrefix(line, "# labels: "):
			if g != nil {
				g.Labels = parseLabels(strings.TrimPrefix(line, "# labels: "))
			}
		case strings.HasPrefix(line, "#\t"):
			if g != nil {
				// "#\t0xpc\tfunc+0xoff\t\t…\tfile:line": the runtime pads the
				// function name with a varying number of tabs.
				fields := strings.FieldsFunc(line[2:], func(r rune) bool { return r == '\t' })
				if len(fields) >= 3 {
					fn, _, _ := strings.Cut(fields[1], "+0x")
					g.Frames = append(g.Frames, Frame{Func: strings.TrimSpace(fn), Pos: strings.TrimSpace(fields[len(fields)-1])})
				}
			}
		default:
			if n, rest, ok := strings.Cut(line, " @ "); ok && rest != "" {
				if c, err := strconv.Atoi(n); err == nil {
					groups = append(groups, Group{Count: c})
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

// Stack formats the group's stack as runtime/debug.Stack does its frames:
// a function a line, its file and line indented below, innermost first.
// Frames of the runtime and of package iter (coroutine plumbing) are left
// out.
func (g Group) Stack() string {
	var b strings.Builder
	for _, f := range g.Frames {
		if strings.HasPrefix(f.Func, "runtime.") || strings.HasPrefix(f.Func, "iter.") {
			continue
		}
		b.WriteString(f.Func)
		b.WriteString("\n\t")
		b.WriteString(f.Pos)
		b.WriteByte('\n')
	}
	return b.String()
}
