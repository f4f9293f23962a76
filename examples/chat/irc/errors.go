package irc

import "errors"

// The errors [Parse] returns wrap one of these.
var (
	// ErrEmpty reports an empty line (or one of spaces only).
	ErrEmpty = errors.New("irc: empty line")
	// ErrForbiddenByte reports a NUL, CR or LF inside a line.
	ErrForbiddenByte = errors.New("irc: NUL, CR or LF inside the line")
	// ErrBadTags reports a malformed IRCv3 tag section.
	ErrBadTags = errors.New("irc: malformed message tags")
	// ErrBadSource reports a malformed source (prefix).
	ErrBadSource = errors.New("irc: malformed source")
	// ErrNoCommand reports a line without a command.
	ErrNoCommand = errors.New("irc: missing command")
	// ErrBadCommand reports a command that is neither letters nor a
	// three-digit numeric.
	ErrBadCommand = errors.New("irc: malformed command")
)
