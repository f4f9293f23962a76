// Package top renders what [actor.System.Top] reports — every running
// actor and its fibers: what each runs, waits on and since when — as a
// text table ([Write]) and serves it over HTTP as text or JSON
// ([Handler]), as net/http/pprof serves what runtime/pprof collects. It
// stands apart from package actor so that programs that do not serve it
// do not link net/http and encoding/json.
//
//	mux.Handle("/debug/weft/top", top.Handler(sys))
//
// # Concurrency
//
// [Write] and [Handler]'s handler are safe for concurrent use; the
// handler asks the actors from its request's goroutine and waits for
// their answers (bounded by the query's timeout).
package top
