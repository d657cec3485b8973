package server

import (
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
		return s.ui.APIPage(c, xmlRoot, obj)
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
			return s.api.Write(c, a.xmlRoot, a.obj, export.JSON)
		}
	case "xml":
		return func(s *Server, c *request.Call, a apiTarget) error {
			return s.api.Write(c, a.xmlRoot, a.obj, export.XML)
		}
	case "python":
		return func(s *Server, c *request.Call, a apiTarget) error {
			return s.api.Write(c, a.xmlRoot, a.obj, export.Python)
		}
	}
	return nil
}
