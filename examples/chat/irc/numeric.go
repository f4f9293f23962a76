package irc

import "strconv"

//go:generate go run golang.org/x/tools/cmd/stringer@v0.52.0 -type=Numeric

// Numeric is a numeric reply code. [Numeric.String] returns the constant's
// name (such as "RplWelcome"); [Numeric.Code] returns the three digits sent
// on the wire.
type Numeric uint16

// Numeric replies (RFC 1459, RFC 2812 and the modern IRC documentation).
const (
	RplWelcome          Numeric = 1   // :Welcome to the <network> IRC Network <nick>!<user>@<host>
	RplYourHost         Numeric = 2   // :Your host is <server>, running version <version>
	RplCreated          Numeric = 3   // :This server was created <date>
	RplMyInfo           Numeric = 4   // <server> <version> <user modes> <channel modes>
	RplISupport         Numeric = 5   // <token>... :are supported by this server
	RplUModeIs          Numeric = 221 // <user modes>
	RplWhoisUser        Numeric = 311 // <nick> <user> <host> * :<realname>
	RplWhoisServer      Numeric = 312 // <nick> <server> :<server info>
	RplEndOfWho         Numeric = 315 // <mask> :End of WHO list
	RplEndOfWhois       Numeric = 318 // <nick> :End of /WHOIS list
	RplWhoisChannels    Numeric = 319 // <nick> :{[@|+]<channel>}
	RplListStart        Numeric = 321 // Channel :Users  Name
	RplList             Numeric = 322 // <channel> <# visible> :<topic>
	RplListEnd          Numeric = 323 // :End of /LIST
	RplChannelModeIs    Numeric = 324 // <channel> <mode> <mode params>
	RplCreationTime     Numeric = 329 // <channel> <creation time>
	RplNoTopic          Numeric = 331 // <channel> :No topic is set
	RplTopic            Numeric = 332 // <channel> :<topic>
	RplTopicWhoTime     Numeric = 333 // <channel> <nick> <set at>
	RplWhoReply         Numeric = 352 // <channel> <user> <host> <server> <nick> <flags> :<hopcount> <realname>
	RplNamReply         Numeric = 353 // <symbol> <channel> :[prefix]<nick>{ [prefix]<nick>}
	RplEndOfNames       Numeric = 366 // <channel> :End of /NAMES list
	RplEndOfBanList     Numeric = 368 // <channel> :End of channel ban list
	RplMotd             Numeric = 372 // :- <text>
	RplMotdStart        Numeric = 375 // :- <server> Message of the day -
	RplEndOfMotd        Numeric = 376 // :End of /MOTD command.
	ErrNoSuchNick       Numeric = 401 // <nick> :No such nick/channel
	ErrNoSuchChannel    Numeric = 403 // <channel> :No such channel
	ErrCannotSendToChan Numeric = 404 // <channel> :Cannot send to channel
	ErrTooManyChannels  Numeric = 405 // <channel> :You have joined too many channels
	ErrNoOrigin         Numeric = 409 // :No origin specified
	ErrInvalidCapCmd    Numeric = 410 // <command> :Invalid CAP command
	ErrNoRecipient      Numeric = 411 // :No recipient given (<command>)
	ErrNoTextToSend     Numeric = 412 // :No text to send
	ErrInputTooLong     Numeric = 417 // :Input line was too long
	ErrUnknownCommand   Numeric = 421 // <command> :Unknown command
	ErrNoMotd           Numeric = 422 // :MOTD File is missing
	ErrNoNicknameGiven  Numeric = 431 // :No nickname given
	ErrErroneusNickname Numeric = 432 // <nick> :Erroneous nickname
	ErrNicknameInUse    Numeric = 433 // <nick> :Nickname is already in use
	ErrUserNotInChannel Numeric = 441 // <nick> <channel> :They aren't on that channel
	ErrNotOnChannel     Numeric = 442 // <channel> :You're not on that channel
	ErrNotRegistered    Numeric = 451 // :You have not registered
	ErrNeedMoreParams   Numeric = 461 // <command> :Not enough parameters
	ErrAlreadyRegistred Numeric = 462 // :You may not reregister
	ErrPasswdMismatch   Numeric = 464 // :Password incorrect
	ErrUnknownMode      Numeric = 472 // <char> :is unknown mode char to me
	ErrBadChannelKey    Numeric = 475 // <channel> :Cannot join channel (+k)
	ErrBadChanMask      Numeric = 476 // <channel> :Bad Channel Mask
	ErrChanOPrivsNeeded Numeric = 482 // <channel> :You're not channel operator
	ErrUModeUnknownFlag Numeric = 501 // :Unknown MODE flag
	ErrUsersDontMatch   Numeric = 502 // :Cannot change mode for other users
)

// Code returns the numeric as the three digits sent on the wire, such as
// "001".
func (n Numeric) Code() string {
	if n < 1000 {
		return string([]byte{'0' + byte(n/100), '0' + byte(n/10%10), '0' + byte(n%10)})
	}
	return strconv.Itoa(int(n))
}
