package cluster

import (
	"errors"
	"fmt"
	"testing"

	"github.com/weft-go/weft/actor"
)

// TestFailureCodes: the failures that cross the wire decode to errors
// that match the sentinel they were made from; other errors become a
// RemoteError with their text.
func TestFailureCodes(t *testing.T) {
	for _, sentinel := range []error{actor.ErrDeadTarget, actor.ErrRestarted, actor.ErrTimeout, actor.ErrDeadlock, ErrUnavailable} {
		err := errorOf(failureOf(fmt.Errorf("on the responder: %w", sentinel)))
		if !errors.Is(err, sentinel) {
			t.Errorf("a failure made from %v decodes to %v, which does not match it", sentinel, err)
		}
	}
	var re *RemoteError
	if err := errorOf(failureOf(errors.New("boom"))); !errors.As(err, &re) || re.Message != "boom" {
		t.Errorf("an application error decodes to %v; want a RemoteError \"boom\"", err)
	}
}
