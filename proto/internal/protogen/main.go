// Command protogen regenerates the Go code for the .proto files in a
// directory with nothing but Go and the module proxy: it compiles the files
// with github.com/bufbuild/protocompile (no protoc), builds a
// pluginpb.CodeGeneratorRequest and feeds it to protoc-gen-go, run with
// `go run google.golang.org/protobuf/cmd/protoc-gen-go` so the generator is
// exactly the google.golang.org/protobuf version go.mod requires.
//
//	go run ./proto/internal/protogen -dir proto -out proto
//
// proto/gen.go runs it through go generate; .ci/proto-check runs it into a
// temporary directory and compares the result with the committed files.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/pluginpb"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "protogen:", err)
		os.Exit(1)
	}
}

func run() error {
	dir := flag.String("dir", ".", "directory holding the .proto files")
	out := flag.String("out", ".", "directory to write the generated .pb.go files to")
	flag.Parse()

	names, err := filepath.Glob(filepath.Join(*dir, "*.proto"))
	if err != nil {
		return err
	}
	if len(names) == 0 {
		return fmt.Errorf("no .proto files in %s", *dir)
	}
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	sort.Strings(names)

	c := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{
			ImportPaths: []string{*dir},
		}),
		SourceInfoMode: protocompile.SourceInfoStandard, // keeps comments for the generated code
	}
	files, err := c.Compile(context.Background(), names...)
	if err != nil {
		return err
	}

	req := &pluginpb.CodeGeneratorRequest{
		FileToGenerate: names,
		Parameter:      proto.String("paths=source_relative"),
	}
	seen := map[string]bool{}
	var add func(fd protoreflect.FileDescriptor)
	add = func(fd protoreflect.FileDescriptor) { // dependencies first, as protoc does
		if seen[fd.Path()] {
			return
		}
		seen[fd.Path()] = true
		imports := fd.Imports()
		for i := 0; i < imports.Len(); i++ {
			add(imports.Get(i).FileDescriptor)
		}
		req.ProtoFile = append(req.ProtoFile, protodesc.ToFileDescriptorProto(fd))
	}
	for _, f := range files {
		add(f)
	}
	in, err := proto.Marshal(req)
	if err != nil {
		return err
	}

	cmd := exec.Command("go", "run", "google.golang.org/protobuf/cmd/protoc-gen-go")
	cmd.Stdin = bytes.NewReader(in)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("protoc-gen-go: %w", err)
	}
	var resp pluginpb.CodeGeneratorResponse
	if err := proto.Unmarshal(stdout.Bytes(), &resp); err != nil {
		return fmt.Errorf("protoc-gen-go response: %w", err)
	}
	if resp.Error != nil {
		return errors.New(resp.GetError())
	}
	for _, f := range resp.File {
		path := filepath.Join(*out, filepath.FromSlash(f.GetName()))
		if err := os.WriteFile(path, []byte(f.GetContent()), 0o644); err != nil {
			return err
		}
	}
	return nil
}
