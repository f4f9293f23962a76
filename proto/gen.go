// Package chatpb holds the protobuf messages Weft chat nodes exchange
// (chat.proto). chat.pb.go is generated and committed; regenerate it with
//
//	go generate ./proto/...
//
// which needs only Go and the module proxy (see internal/protogen).
package chatpb

//go:generate go run ./internal/protogen -out .
