// Package chatpb holds the protobuf messages Weft chat nodes exchange
// (chat.proto) and those of package cluster's members (weft_cluster.proto, named so as not to clash with protoactor-go's cluster.proto:
// the failure that answers a request in place of its reply). The .pb.go
// files are generated and committed; regenerate them with
//
//	go generate ./proto
//
// which needs only Go and the module proxy (see internal/protogen).
package chatpb

//go:generate go run ./internal/protogen -out .
