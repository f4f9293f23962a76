package chatpb_test

import (
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/weft-go/weft/leakcheck"
	chatpb "github.com/weft-go/weft/proto"
)

func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }

// invalidUTF8 is text no string field could carry: every text field is
// bytes, so it crosses nodes as it is.
var invalidUTF8 = []byte("caf\xe9 \xff\xfe")

func TestRoundTrip(t *testing.T) {
	who := &chatpb.Member{Node: "127.0.0.1:7001", Id: 1<<63 | 7, Nick: "alice", User: []byte("al"), Host: []byte("127.0.0.1"),
		Caps: 0x3f, Modes: 1, Away: true, AwayText: invalidUTF8, Realname: []byte("Alice ünïcode"), Idle: 1700000000, Signon: 1700000000}
	msgs := []proto.Message{
		who,
		&chatpb.ChanRequest{Who: who, Channel: []byte("#caf\xe9"), Op: &chatpb.ChanRequest_Say_{Say: &chatpb.ChanRequest_Say{
			Status: '@', Line: append([]byte(":alice!al@h PRIVMSG #x :"), invalidUTF8...), Tags: map[string][]byte{"+draft/react": invalidUTF8}, At: 1}}},
		&chatpb.ChanRequest{Who: who, Op: &chatpb.ChanRequest_Relay_{Relay: &chatpb.ChanRequest_Relay{Line: invalidUTF8, Skip: []uint64{1, 2}, Quit: true}}},
		&chatpb.ChanRequest{Who: who, Op: &chatpb.ChanRequest_Mode_{Mode: &chatpb.ChanRequest_Mode{Args: [][]byte{[]byte("+o"), []byte("bob")}, Known: []string{"bob"}}}},
		&chatpb.ChanReply{Lines: [][]byte{invalidUTF8, {}}, Ok: true, Ids: []uint64{3}, Name: invalidUTF8, Users: 2},
		&chatpb.Deliver{Items: []*chatpb.Deliver_Item{{Kind: chatpb.Deliver_Item_KIND_KICKED, Id: 9, Line: invalidUTF8, Channel: []byte("#x")}, {}}},
		&chatpb.NickClaim{Owner: who},
		&chatpb.NickOwner{Ok: true, Owner: who},
		&chatpb.NickRelease{Node: "127.0.0.1:7001", Id: 7},
		&chatpb.DirUpdate{Channel: invalidUTF8, Open: true},
		&chatpb.DirChannels{Channels: [][]byte{invalidUTF8}},
		&chatpb.ChanRequest{},
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
	for _, m := range []proto.Message{&chatpb.ChanRequest{}, &chatpb.ChanReply{}, &chatpb.Deliver{}, &chatpb.NickClaim{},
		&chatpb.NickRelease{}, &chatpb.NickLookup{}, &chatpb.NickOwner{}, &chatpb.DirUpdate{}, &chatpb.DirList{}, &chatpb.DirChannels{}} {
		name := proto.MessageName(m)
		mt, err := protoregistry.GlobalTypes.FindMessageByName(name)
		if err != nil {
			t.Fatalf("FindMessageByName(%s): %v", name, err)
		}
		if mt.New().Interface().ProtoReflect().Descriptor().FullName() != name {
			t.Errorf("%s resolves to another type", name)
		}
	}
	if got := proto.MessageName(&chatpb.Deliver{}); got != "weft.chat.v1.Deliver" {
		t.Errorf("MessageName = %s", got)
	}
}

func TestKindNames(t *testing.T) {
	for k, want := range map[chatpb.Deliver_Item_Kind]string{
		chatpb.Deliver_Item_KIND_LINE:   "KIND_LINE",
		chatpb.Deliver_Item_KIND_KICKED: "KIND_KICKED",
	} {
		if k.String() != want {
			t.Errorf("%d.String() = %s, want %s", k, k.String(), want)
		}
	}
}
