package chatpb_test

import (
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/weft-go/weft/leakcheck"
	chatpb "github.com/weft-go/weft/proto"
)

func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }

func TestRoundTrip(t *testing.T) {
	msgs := []proto.Message{
		&chatpb.Hello{Node: "a.example", Address: "127.0.0.1:7000", Protocol: 1},
		&chatpb.HelloAck{Node: "b.example", Address: "127.0.0.1:7001", Protocol: 1},
		&chatpb.Goodbye{Node: "a.example", Address: "127.0.0.1:7000"},
		&chatpb.GoodbyeAck{Node: "b.example"},
		&chatpb.ChannelEvent{
			Channel: "#weft", Origin: "a.example", Kind: chatpb.ChannelEvent_KIND_PRIVMSG,
			Nick: "alice", User: "al", Host: "127.0.0.1", Text: "hello, ünïcode",
		},
		&chatpb.ChannelEvent{
			Channel: "#weft", Origin: "a.example", Kind: chatpb.ChannelEvent_KIND_TOPIC,
			Nick: "alice", Text: "", Params: []string{"x", ""},
		},
		&chatpb.ChannelEvent{},
	}
	for _, m := range msgs {
		b, err := proto.Marshal(m)
		if err != nil {
			t.Fatalf("Marshal(%v): %v", m, err)
		}
		got := m.ProtoReflect().New().Interface()
		if err := proto.Unmarshal(b, got); err != nil {
			t.Fatalf("Unmarshal(%v): %v", m, err)
		}
		if !proto.Equal(m, got) {
			t.Errorf("round trip: got %v, want %v", got, m)
		}
	}
}

// TestRegistered checks what protoactor's remote serializer relies on: the
// receiving node resolves a message by its full name in GlobalTypes.
func TestRegistered(t *testing.T) {
	for _, m := range []proto.Message{&chatpb.Hello{}, &chatpb.HelloAck{}, &chatpb.Goodbye{}, &chatpb.GoodbyeAck{}, &chatpb.ChannelEvent{}} {
		name := proto.MessageName(m)
		mt, err := protoregistry.GlobalTypes.FindMessageByName(name)
		if err != nil {
			t.Fatalf("FindMessageByName(%s): %v", name, err)
		}
		if mt.New().Interface().ProtoReflect().Descriptor().FullName() != name {
			t.Errorf("%s resolves to another type", name)
		}
	}
	if got := proto.MessageName(&chatpb.ChannelEvent{}); got != "weft.chat.v1.ChannelEvent" {
		t.Errorf("MessageName = %s", got)
	}
}

func TestKindNames(t *testing.T) {
	for k, want := range map[chatpb.ChannelEvent_Kind]string{
		chatpb.ChannelEvent_KIND_PRIVMSG: "KIND_PRIVMSG",
		chatpb.ChannelEvent_KIND_QUIT:    "KIND_QUIT",
	} {
		if k.String() != want {
			t.Errorf("%d.String() = %s, want %s", k, k.String(), want)
		}
	}
}
