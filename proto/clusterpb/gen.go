// Package clusterpb holds the protobuf messages that members of a Weft
// cluster (package cluster) exchange: the failure that answers a request in
// place of its reply. The file is weft_cluster.proto, not cluster.proto, so
// that its registered path does not clash with protoactor-go's own
// cluster.proto. The .pb.go file is generated and committed; regenerate it
// with
//
//	go generate ./proto/...
//
// which needs only Go and the module proxy (see proto/internal/protogen).
package clusterpb

//go:generate go run ../internal/protogen -out .
