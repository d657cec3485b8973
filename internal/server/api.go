package server

import (
	"net/http"
	"strconv"

	"github.com/jeeves-ci/jeeves/internal/export"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// serveAPI answers …/api/json, …/api/xml and …/api/python for obj, with
// Jenkins's tree, depth and pretty parameters. p starts at "api".
func (s *Server) serveAPI(c *request.Call, p []string, xmlRoot string, obj *export.Object) error {
	if len(p) == 0 || p[0] != "api" {
		return request.NotFound()
	}
	if len(p) == 1 {
		return s.apiHelpPage(c)
	}
	ok, err := dispatch(s, c, apiTarget{xmlRoot, obj}, p[1:], walkAPIMethods)
	if !ok {
		return request.NotFound()
	}
	return err
}

// apiTarget is the object an …/api/ URL exports, and the XML root
// element it is written under.
type apiTarget struct {
	xmlRoot string
	obj     *export.Object
}

// walkAPIMethods are the web methods of an object's api/ (Stapler's
// Api.doJson, doXml and doPython).
func walkAPIMethods(name string) webMethod[apiTarget] {
	switch name {
	case "json":
		return func(s *Server, c *request.Call, a apiTarget) error {
			return s.writeAPI(c, a, export.JSON, "application/json;charset=utf-8")
		}
	case "xml":
		return func(s *Server, c *request.Call, a apiTarget) error {
			return s.writeAPI(c, a, export.XML, "application/xml;charset=utf-8")
		}
	case "python":
		return func(s *Server, c *request.Call, a apiTarget) error {
			return s.writeAPI(c, a, export.Python, "text/x-python;charset=utf-8")
		}
	}
	return nil
}

// writeAPI writes a's object in flavor.
func (s *Server) writeAPI(c *request.Call, a apiTarget, flavor export.Flavor, ctype string) error {
	xmlRoot, obj := a.xmlRoot, a.obj
	q := c.R.URL.Query()
	var opt export.Options
	if t, ok := q["tree"]; ok && len(t) > 0 {
		tree, err := export.ParseTree(t[0])
		if err != nil {
			return request.BadRequest("Malformed tree expression: " + err.Error())
		}
		opt.Tree = tree
	} else if d := q.Get("depth"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 0 {
			return request.BadRequest("Depth parameter must be a non-negative number")
		}
		if n > maxDepth {
			return request.BadRequest("Depth parameter must be at most " + strconv.Itoa(maxDepth))
		}
		opt.Depth = n
	}
	_, opt.Pretty = q["pretty"] // presence-based, as in Jenkins
	if q.Has("jsonp") {
		return request.NewError(http.StatusForbidden, "jsonp forbidden; implement jenkins.security.SecureRequester")
	}
	if q.Has("xpath") || q.Has("wrapper") || q.Has("exclude") {
		return request.NewError(http.StatusForbidden, "primitive XPath result sets forbidden; implement jenkins.security.SecureRequester")
	}
	h := c.W.Header()
	h.Set("Content-Type", ctype)
	h.Set("X-Frame-Options", "deny")
	if c.R.Method == http.MethodHead {
		c.W.WriteHeader(http.StatusOK)
		return nil
	}
	// Buffers are reused: api/json is the most requested answer, and a
	// new buffer each time is most of what it allocates.
	held, _ := s.answers.Get().(*[]byte)
	if held == nil {
		b := make([]byte, 0, 16<<10)
		held = &b
	}
	bw := &answerBuffer{w: c.W, buf: (*held)[:0]}
	// An error is a client that went away, or a graph too deep: what was
	// written goes out as it is.
	export.Write(bw, obj, flavor, xmlRoot, opt)
	if c.Failed() != nil {
		// A lazy property could not be read: answer the error (a 500
		// with a reference in the log), unless part of the answer has
		// gone out already, where all that is left is to say so.
		if !bw.streaming {
			return c.Failed()
		}
		s.log.Error("api answer cut short", "method", c.R.Method, "path", c.R.URL.Path, "err", c.Failed())
	}
	bw.finish()
	if c := cap(bw.buf); c > 0 && c <= answerBufferMax {
		*held = bw.buf
		s.answers.Put(held)
	}
	return nil
}

// answerBufferMax is how much of an answer answerBuffer holds: most
// answers fit, and go out with a Content-Length in one write.
const answerBufferMax = 256 << 10

// answerBuffer holds an answer until it is complete, so it is sent with
// its length in one write; one larger than answerBufferMax is streamed.
type answerBuffer struct {
	w         http.ResponseWriter
	buf       []byte
	streaming bool
}

func (b *answerBuffer) Write(p []byte) (int, error) {
	if b.streaming {
		return b.w.Write(p)
	}
	if len(b.buf)+len(p) <= answerBufferMax {
		b.buf = append(b.buf, p...)
		return len(p), nil
	}
	b.streaming = true
	b.w.WriteHeader(http.StatusOK)
	if _, err := b.w.Write(b.buf); err != nil {
		return 0, err
	}
	b.buf = nil
	return b.w.Write(p)
}

// AvailableBuffer lends the free space of what is held, so the encoder
// writes the answer in place (export.Write uses it).
func (b *answerBuffer) AvailableBuffer() []byte {
	if b.streaming {
		return nil
	}
	return b.buf[len(b.buf):]
}

// finish sends what is held, if the answer was not already streamed.
func (b *answerBuffer) finish() {
	if b.streaming {
		return
	}
	b.w.Header().Set("Content-Length", strconv.Itoa(len(b.buf)))
	b.w.WriteHeader(http.StatusOK)
	b.w.Write(b.buf)
}

// maxDepth bounds ?depth=: deeper answers only repeat themselves and cost
// the server; tree= reaches anything deeper.
const maxDepth = 5

func (s *Server) apiHelpPage(c *request.Call) error {
	request.PageHeaders(c.W.Header())
	c.W.WriteHeader(http.StatusOK)
	_, err := c.W.Write([]byte(`<!DOCTYPE html><html><head><title>Remote API</title></head><body>
<h1>Remote API</h1>
<p>This object can be read as <a href="json?pretty=true">JSON</a>, <a href="xml">XML</a> or <a href="python">Python</a>,
with the <code>tree</code>, <code>depth</code> and <code>pretty</code> parameters, as in Jenkins.</p>
</body></html>
`))
	return err
}
