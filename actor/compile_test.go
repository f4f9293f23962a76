package actor_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// protocolSnippet is a package using a Ref of an interface protocol and a
// Ref of a single message type; %s is the body of use.
const protocolSnippet = `package snippet

import (
	"context"

	"github.com/weft-go/weft/actor"
)

type Msg interface{ isMsg() }

type Ping struct{ actor.Request[Msg, int] }

func (Ping) isMsg() {}

type Stray struct{}

type Other interface{ isOther() }

func use(ctx context.Context, ref actor.Ref[Msg], ints actor.Ref[int], other actor.Ref[Other], self *actor.Self[Msg], ping Ping) {
%s
}

var _ = context.Background
`

// buildSnippet builds body (inside protocolSnippet) as a package of a
// throwaway module that uses this module through a replace directive,
// offline, and returns the go command's output and error.
func buildSnippet(t *testing.T, goBin, root, body string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	// Same requirements (so the same versions, all in the module cache),
	// another module path, plus this module.
	mod := regexp.MustCompile(`(?m)^module .*$`).ReplaceAllString(string(gomod), "module snippet")
	mod += "\nrequire github.com/weft-go/weft v0.0.0\n\nreplace github.com/weft-go/weft => " + root + "\n"
	gosum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"go.mod":     mod,
		"go.sum":     string(gosum),
		"snippet.go": strings.Replace(protocolSnippet, "%s", body, 1),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := []string{"build"}
	if raceEnabled { // reuse the dependencies this test binary was built with
		args = append(args, "-race")
	}
	cmd := exec.CommandContext(ctx, goBin, append(args, ".")...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GOFLAGS=-mod=mod", "GOPROXY=off", "GOSUMDB=off", "GOWORK=off", "GOTOOLCHAIN=local")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	return out.String(), err
}

// TestRefSendIsTyped checks that sending a message outside a Ref's
// protocol, asking a Ref of another protocol and answering a request with
// the wrong type do not compile, and that the same code with messages of
// the protocol does, with no type arguments at the call sites.
func TestRefSendIsTyped(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not on PATH:", err)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}

	good := `	ref.Send(Ping{})
	ints.Send(1)
	var n int
	n, _ = actor.Call(ctx, ref, Ping{})
	_ = actor.ReplyTo(self, ping).Send(n)`
	start := time.Now()
	if out, err := buildSnippet(t, goBin, root, good); err != nil {
		t.Fatalf("go build of messages inside the protocol: %v; want success\n%s", err, out)
	}
	t.Logf("good snippet built in %v", time.Since(start))

	bad := `	ref.Send(Stray{})
	ints.Send("hello")
	_, _ = actor.Call(ctx, other, Ping{})
	_, _ = actor.Call(ctx, ref, Stray{})
	_ = actor.ReplyTo(self, ping).Send("five")`
	start = time.Now()
	out, err := buildSnippet(t, goBin, root, bad)
	t.Logf("bad snippet built in %v", time.Since(start))
	if err == nil {
		t.Fatalf("go build of messages outside the protocol succeeded; want type errors")
	}
	for _, want := range []string{
		"cannot use Stray{} (value of struct type Stray) as Msg value in argument to ref.Send: Stray does not implement Msg (missing method isMsg)",
		`cannot use "hello" (untyped string constant) as int value in argument to ints.Send`,
		`in call to actor.Call, Q (type Ping) does not satisfy "github.com/weft-go/weft/actor".RequestOf[P, R] (wrong type for method weftRequest)`,
		`in call to actor.Call, Q (type Stray) does not satisfy "github.com/weft-go/weft/actor".RequestOf[P, R] (missing method weftRequest)`,
		`cannot use "five" (untyped string constant) as int value in argument to actor.ReplyTo(self, ping).Send`,
	} {
		re := regexp.MustCompile(`(?m)snippet\.go:\d+:\d+: ` + regexp.QuoteMeta(want) + "$")
		if !re.MatchString(out) {
			t.Errorf("go build output lacks %q:\n%s", want, out)
		}
	}
}
