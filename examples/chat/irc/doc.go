// Package irc provides the IRC wire format used by the Weft chat example:
// parsing and serialization of messages (RFC 1459 and RFC 2812, with IRCv3
// message tags tolerated), numeric replies as typed constants, validation of
// nicknames and channel names, and the rfc1459 case mapping.
//
// # Messages
//
// [Parse] turns one line into a [Message] and reports malformed lines with
// errors that wrap the sentinels of this package ([ErrEmpty],
// [ErrNoCommand], [ErrBadCommand], [ErrBadTags], [ErrForbiddenByte], …).
// [Message.AppendTo] and [Message.String] serialize a message; they never
// write NUL, CR or LF, whatever the message holds, so a value taken from one
// client can never inject a line into another client's stream (see
// [Message.AppendTo] for how such bytes are replaced). [Message.AppendLine]
// adds the CR LF terminator and enforces the 512-byte line limit.
//
// IRC is a byte protocol: parameters are relayed as bytes, invalid UTF-8
// included. Only NUL, CR and LF are special.
//
// # Names
//
// [ValidNick] checks a nickname against the RFC 2812 grammar and a length
// limit; [ValidChannel] checks a channel name; [Fold] maps a name to its
// rfc1459 case-folded form, under which two names are equal. [Match]
// matches ban and WHO masks with '*' and '?' under that mapping, and
// [NormalizeMask] completes a mask to nick!user@host. [TruncateUTF8] cuts
// text (a topic, a kick reason) without splitting a character.
//
// # Concurrency
//
// The functions of this package keep no state and may be called from any
// goroutine. A [Message] is a plain value; its Params and Tags must not be
// modified while another goroutine reads them.
//
// # Panics
//
// Nothing in this package panics on any input.
package irc
