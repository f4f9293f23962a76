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
	RplMyInfo           Numeric = 4   // <server> <version> <user modes> <channel modes> <channel modes with a parameter>
	RplISupport         Numeric = 5   // <token>... :are supported by this server
	RplUModeIs          Numeric = 221 // <user modes>
	RplLuserClient      Numeric = 251 // :There are <u> users and <i> invisible on <s> servers
	RplLuserOp          Numeric = 252 // <ops> :operator(s) online
	RplLuserUnknown     Numeric = 253 // <connections> :unknown connection(s)
	RplLuserChannels    Numeric = 254 // <channels> :channels formed
	RplLuserMe          Numeric = 255 // :I have <c> clients and <s> servers
	RplAdminMe          Numeric = 256 // <server> :Administrative info
	RplAdminLoc1        Numeric = 257 // :<info>
	RplAdminLoc2        Numeric = 258 // :<info>
	RplAdminEmail       Numeric = 259 // :<info>
	RplLocalUsers       Numeric = 265 // [<u> <m>] :Current local users <u>, max <m>
	RplGlobalUsers      Numeric = 266 // [<u> <m>] :Current global users <u>, max <m>
	RplAway             Numeric = 301 // <nick> :<message>
	RplUserHost         Numeric = 302 // :[<reply>{ <reply>}]
	RplIsOn             Numeric = 303 // :[<nickname>{ <nickname>}]
	RplUnAway           Numeric = 305 // :You are no longer marked as being away
	RplNowAway          Numeric = 306 // :You have been marked as being away
	RplWhoisUser        Numeric = 311 // <nick> <user> <host> * :<realname>
	RplWhoisServer      Numeric = 312 // <nick> <server> :<server info>
	RplWhoisOperator    Numeric = 313 // <nick> :is an IRC operator
	RplWhoWasUser       Numeric = 314 // <nick> <user> <host> * :<realname>
	RplEndOfWho         Numeric = 315 // <mask> :End of WHO list
	RplWhoisIdle        Numeric = 317 // <nick> <secs> <signon> :seconds idle, signon time
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
	RplInviteList       Numeric = 336 // <channel>
	RplEndOfInviteList  Numeric = 337 // :End of /INVITE list
	RplInviting         Numeric = 341 // <nick> <channel>
	RplVersion          Numeric = 351 // <version> <server> :<comments>
	RplWhoReply         Numeric = 352 // <channel> <user> <host> <server> <nick> <flags> :<hopcount> <realname>
	RplNamReply         Numeric = 353 // <symbol> <channel> :[prefix]<nick>{ [prefix]<nick>}
	RplWhoSpcRpl        Numeric = 354 // [token] [channel] [user] [ip] [host] [server] [nick] [flags] [hopcount] [idle] [account] [oplevel] [:realname]
	RplLinks            Numeric = 364 // * <server> :<hopcount> <server info>
	RplEndOfLinks       Numeric = 365 // * :End of /LINKS list
	RplEndOfNames       Numeric = 366 // <channel> :End of /NAMES list
	RplBanList          Numeric = 367 // <channel> <mask> <who> <set-ts>
	RplEndOfBanList     Numeric = 368 // <channel> :End of channel ban list
	RplEndOfWhoWas      Numeric = 369 // <nick> :End of WHOWAS
	RplInfo             Numeric = 371 // :<string>
	RplMotd             Numeric = 372 // :- <text>
	RplEndOfInfo        Numeric = 374 // :End of INFO list
	RplMotdStart        Numeric = 375 // :- <server> Message of the day -
	RplEndOfMotd        Numeric = 376 // :End of /MOTD command.
	RplYoureOper        Numeric = 381 // :You are now an IRC operator
	RplTime             Numeric = 391 // <server> :<time>
	ErrUnknownError     Numeric = 400 // <command> :<info> (a line that could not be processed)
	ErrNoSuchNick       Numeric = 401 // <nick> :No such nick/channel
	ErrNoSuchServer     Numeric = 402 // <server> :No such server
	ErrNoSuchChannel    Numeric = 403 // <channel> :No such channel
	ErrCannotSendToChan Numeric = 404 // <channel> :Cannot send to channel
	ErrTooManyChannels  Numeric = 405 // <channel> :You have joined too many channels
	ErrWasNoSuchNick    Numeric = 406 // <nick> :There was no such nickname
	ErrTooManyTargets   Numeric = 407 // <target> :Too many targets
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
	ErrUserOnChannel    Numeric = 443 // <nick> <channel> :is already on channel
	ErrNotRegistered    Numeric = 451 // :You have not registered
	ErrNeedMoreParams   Numeric = 461 // <command> :Not enough parameters
	ErrAlreadyRegistred Numeric = 462 // :You may not reregister
	ErrPasswdMismatch   Numeric = 464 // :Password incorrect
	ErrChannelIsFull    Numeric = 471 // <channel> :Cannot join channel (+l)
	ErrUnknownMode      Numeric = 472 // <char> :is unknown mode char to me
	ErrInviteOnlyChan   Numeric = 473 // <channel> :Cannot join channel (+i)
	ErrBannedFromChan   Numeric = 474 // <channel> :Cannot join channel (+b)
	ErrBadChannelKey    Numeric = 475 // <channel> :Cannot join channel (+k)
	ErrBadChanMask      Numeric = 476 // <channel> :Bad Channel Mask
	ErrBanListFull      Numeric = 478 // <channel> <char> :Channel list is full
	ErrNoPrivileges     Numeric = 481 // :Permission Denied- You're not an IRC operator
	ErrChanOPrivsNeeded Numeric = 482 // <channel> :You're not channel operator
	ErrNoOperHost       Numeric = 491 // :No O-lines for your host
	ErrUModeUnknownFlag Numeric = 501 // :Unknown MODE flag
	ErrUsersDontMatch   Numeric = 502 // :Cannot change mode for other users
	ErrHelpNotFound     Numeric = 524 // <subject> :No help available on this topic
	ErrInvalidKey       Numeric = 525 // <channel> :Key is not well-formed
	ErrInvalidModeParam Numeric = 696 // <target> <mode char> <parameter> :<description>
	RplHelpStart        Numeric = 704 // <subject> :<first line of help section>
	RplHelpTxt          Numeric = 705 // <subject> :<line of help text>
	RplEndOfHelp        Numeric = 706 // <subject> :<last line of help text>
)

// Code returns the numeric as the three digits sent on the wire, such as
// "001".
func (n Numeric) Code() string {
	if n < 1000 {
		return string([]byte{'0' + byte(n/100), '0' + byte(n/10%10), '0' + byte(n%10)})
	}
	return strconv.Itoa(int(n))
}
