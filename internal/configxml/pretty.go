package configxml

import (
	"bytes"
	"errors"
	"strings"
)

// Pretty indents a config.xml the way Jenkins writes one (two spaces a
// level, each element on its own line), for people to read and edit.
// Only white space between elements changes: every tag, attribute,
// comment, CDATA section and text is kept byte for byte, and so is the
// white space of an element holding nothing else (<command> </command>)
// or mixed with text. A document Jenkins wrote comes back unchanged. An
// error says where the markup is cut short; the document is not
// otherwise checked (Parse does that).
func Pretty(data []byte) ([]byte, error) {
	toks, err := tokenize(data)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.Grow(len(data) + len(data)/8)
	depth := 0
	textBefore := true // the document's start: nothing to indent from
	for i, t := range toks {
		if t.kind == tokText && isSpace(t.raw) {
			prev, next := kindAt(toks, i-1), kindAt(toks, i+1)
			switch {
			case prev == tokStart && next == tokEnd, prev == tokText || next == tokText, prev == tokCDATA || next == tokCDATA:
				out.Write(t.raw) // an element of white space only, or mixed content
				textBefore = true
			case next == tokNone && bytes.Contains(t.raw, []byte("\n")):
				out.WriteByte('\n') // the document's last line ends
			}
			continue
		}
		if t.kind == tokEnd {
			depth--
		}
		switch t.kind {
		case tokText, tokCDATA:
			textBefore = true
		default:
			emptyPair := t.kind == tokEnd && kindAt(toks, i-1) == tokStart
			if !textBefore && !emptyPair {
				out.WriteByte('\n')
				out.WriteString(strings.Repeat("  ", max(depth, 0)))
			}
			textBefore = false
		}
		out.Write(t.raw)
		if t.kind == tokStart {
			depth++
		}
	}
	return out.Bytes(), nil
}

type tokKind int

const (
	tokNone  tokKind = iota
	tokText          // character data
	tokStart         // <a …>
	tokEnd           // </a>
	tokEmpty         // <a …/>
	tokOther         // <?…?>, <!--…-->, <!DOCTYPE …>
	tokCDATA         // <![CDATA[…]]>
)

type token struct {
	kind tokKind
	raw  []byte
}

func kindAt(toks []token, i int) tokKind {
	if i < 0 || i >= len(toks) {
		return tokNone
	}
	if toks[i].kind == tokText && isSpace(toks[i].raw) {
		return tokNone // white space between markup is no text
	}
	return toks[i].kind
}

func isSpace(b []byte) bool { return len(bytes.TrimSpace(b)) == 0 }

// errCutShort is Pretty's error for markup that does not end.
var errCutShort = errors.New("the document ends inside markup")

// tokenize splits data into markup and the text between it.
func tokenize(data []byte) ([]token, error) {
	var toks []token
	for i := 0; i < len(data); {
		if data[i] != '<' {
			j := bytes.IndexByte(data[i:], '<')
			if j < 0 {
				j = len(data) - i
			}
			toks = append(toks, token{tokText, data[i : i+j]})
			i += j
			continue
		}
		var end int
		kind := tokOther
		rest := data[i:]
		switch {
		case bytes.HasPrefix(rest, []byte("<!--")):
			end = closeAt(rest, "-->")
		case bytes.HasPrefix(rest, []byte("<![CDATA[")):
			end, kind = closeAt(rest, "]]>"), tokCDATA
		case bytes.HasPrefix(rest, []byte("<?")):
			end = closeAt(rest, "?>")
		case bytes.HasPrefix(rest, []byte("<!")):
			end = closeAt(rest, ">")
		default:
			end = tagEndQuoted(rest)
			switch {
			case end < 0:
			case bytes.HasPrefix(rest, []byte("</")):
				kind = tokEnd
			case rest[end-2] == '/':
				kind = tokEmpty
			default:
				kind = tokStart
			}
		}
		if end < 0 {
			return nil, errCutShort
		}
		toks = append(toks, token{kind, rest[:end]})
		i += end
	}
	return toks, nil
}

// closeAt is the length of b up to and including the first sep; -1 if
// there is none.
func closeAt(b []byte, sep string) int {
	j := bytes.Index(b[1:], []byte(sep))
	if j < 0 {
		return -1
	}
	return 1 + j + len(sep)
}

// tagEndQuoted is the length of the tag b starts with, a '>' inside a
// quoted attribute value not ending it; -1 if it does not end.
func tagEndQuoted(b []byte) int {
	var quote byte
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return i + 1
		}
	}
	return -1
}
