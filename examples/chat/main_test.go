package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/weft-go/weft/leakcheck"
)

func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }

func TestReadOpers(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "opers")
	if err := os.WriteFile(good, []byte("# operators\nroot hunter2\n\n  alice  s3cret  \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	opers, err := readOpers(good)
	if err != nil || len(opers) != 2 || opers[0].Name != "root" || opers[0].Password != "hunter2" || opers[1].Name != "alice" {
		t.Errorf("readOpers = %v, %v", opers, err)
	}
	bad := filepath.Join(dir, "bad")
	if err := os.WriteFile(bad, []byte("root\nbob secret extra\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = readOpers(bad)
	if err == nil || !strings.Contains(err.Error(), ":1:") || strings.Contains(err.Error(), "secret") {
		t.Errorf("readOpers(bad) = %v; want an error naming line 1 and no password", err)
	}
	if _, err := readOpers(filepath.Join(dir, "missing")); err == nil {
		t.Error("readOpers(missing) = nil error")
	}
	if s := opers[0].String(); strings.Contains(s, "hunter2") {
		t.Errorf("Oper.String() = %q shows the password", s)
	}
}

func TestOperFlag(t *testing.T) {
	if err := run([]string{"-oper", "nopassword", "-addr", "127.0.0.1:0"}); err == nil || !strings.Contains(err.Error(), "name:password") {
		t.Errorf("run(-oper nopassword) = %v; want a usage error", err)
	}
}
