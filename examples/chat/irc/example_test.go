package irc_test

import (
	"fmt"

	"github.com/weft-go/weft/examples/chat/irc"
)

func ExampleParse() {
	m, err := irc.Parse("@time=2024-05-01T12:00:00Z :alice!a@host PRIVMSG #weft :hello, fibers\r\n")
	if err != nil {
		panic(err)
	}
	fmt.Println(m.Source, m.Command, m.Params[0])
	fmt.Println(m.Params[1])
	fmt.Println(m.Tags["time"])
	_, err = irc.Parse("PRIVMSG #weft :a\rb")
	fmt.Println(err)
	// Output:
	// alice!a@host PRIVMSG #weft
	// hello, fibers
	// 2024-05-01T12:00:00Z
	// irc: NUL, CR or LF inside the line: byte '\r' at offset 16
}

func ExampleMessage_AppendLine() {
	m := irc.Message{Source: "bob!b@host", Command: "PRIVMSG", Params: []string{"#weft", "hi\r\nQUIT :injected"}}
	fmt.Printf("%q\n", m.AppendLine(nil, irc.MaxLine))
	// Output:
	// ":bob!b@host PRIVMSG #weft :hi  QUIT :injected\r\n"
}

func ExampleValidNick() {
	fmt.Println(irc.ValidNick("alice", 30), irc.ValidNick("9lives", 30), irc.ValidNick("[afk]", 30))
	// Output: true false true
}

func ExampleValidChannel() {
	fmt.Println(irc.ValidChannel("#weft", 0), irc.ValidChannel("weft", 0), irc.ValidChannel("#a,b", 0))
	// Output: true false false
}

func ExampleFold() {
	fmt.Println(irc.Fold("[Alice]~"), irc.EqualFold("NICK\\", "nick|"))
	// Output: {alice}^ true
}

func ExampleNumeric() {
	fmt.Println(irc.ErrNicknameInUse.Code(), irc.ErrNicknameInUse)
	// Output: 433 ErrNicknameInUse
}
