package api

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/jeeves-ci/jeeves/internal/authz"
	"github.com/jeeves-ci/jeeves/internal/configxml"
	"github.com/jeeves-ci/jeeves/internal/model"
	"github.com/jeeves-ci/jeeves/internal/request"
)

// configDoc is an object's config.xml as configXML serves and replaces
// it: a job's, a view's or an agent's.
type configDoc struct {
	readPerm, writePerm string
	// read is what a GET answers.
	read func() ([]byte, error)
	// write stores a posted document; a refusal is a service's
	// (request.Refused) or the caller's.
	write func(body []byte) error
}

// configXML serves an object's config.xml (GET, HEAD) and replaces it
// (POST), the same way for every kind of object (Jenkins's
// AbstractItem, View and Computer doConfigDotXml): a POST must be XML
// (application/xml or text/xml, in UTF-8; a form's Content-Type, as
// curl --data sends, or none at all are taken as XML too), its body is
// bounded by the server's limit on request bodies (413 past it), and a
// document the service refuses is a 400 with its reason. Any other
// method is a 400.
func configXML(c *request.Call, d configDoc) error {
	switch c.R.Method {
	case http.MethodGet, http.MethodHead:
		if err := c.Require(d.readPerm); err != nil {
			return err
		}
		xml, err := d.read()
		if err != nil {
			return err
		}
		c.W.Header().Set("Content-Type", "application/xml")
		c.W.WriteHeader(http.StatusOK)
		if c.R.Method == http.MethodHead {
			return nil
		}
		_, err = c.W.Write(xml)
		return err
	case http.MethodPost:
		if err := c.Require(d.writePerm); err != nil {
			return err
		}
		if ct := c.R.Header.Get("Content-Type"); ct != "" && !request.IsXMLContentType(ct) && !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
			return request.BadRequest("config.xml must be sent as application/xml with charset UTF-8")
		}
		body, err := request.ReadBody(c)
		if err != nil {
			return err
		}
		if err := d.write(body); err != nil {
			return request.Refused(err)
		}
		c.W.WriteHeader(http.StatusOK)
		return nil
	}
	return request.BadRequest("config.xml accepts GET and POST only")
}

// ConfigXML serves and replaces a job's config.xml, stored as posted.
// It is served with every password parameter's default replaced by
// configxml.RedactedDefault, to everyone: Jenkins serves only their
// ciphertext. Posted back unchanged, the placeholder keeps the default.
// Whoever saves it must be able to build the projects it triggers.
func (a *API) ConfigXML(c *request.Call, job *model.Job) error {
	return configXML(c, configDoc{
		readPerm: authz.ItemExtRead, writePerm: authz.ItemConfigure,
		read: func() ([]byte, error) {
			xml, err := configxml.Redact(job.ConfigXML)
			if err != nil {
				return nil, fmt.Errorf("redact the config.xml of %s: %w", job.Name, err)
			}
			return xml, nil
		},
		write: func(body []byte) error {
			if err := c.CheckDownstream(job.Name, body); err != nil {
				return err
			}
			_, err := a.jobs.UpdateConfig(c.Ctx(), job.Name, body, c.Authority())
			return err
		},
	})
}

// ViewConfigXML serves and replaces a list view's config.xml. The jobs
// it lists are served as the caller may see them, and those it lists
// that the caller cannot see are kept when it is posted back.
func (a *API) ViewConfigXML(c *request.Call, v *model.View) error {
	return configXML(c, configDoc{
		readPerm: authz.ViewRead, writePerm: authz.ViewConfigure,
		read: func() ([]byte, error) { return a.viewXMLFor(c, v) },
		write: func(body []byte) error {
			body, err := a.keepHiddenViewJobs(c, v, body)
			if err != nil {
				return err
			}
			_, err = a.views.UpdateConfig(c.Ctx(), v.Name, body)
			return err
		},
	})
}

// NodeConfigXML serves and replaces a permanent agent's config.xml.
func (a *API) NodeConfigXML(c *request.Call, n *model.Node) error {
	return configXML(c, configDoc{
		readPerm: authz.NodeExtRead, writePerm: authz.NodeConfigure,
		read: func() ([]byte, error) { return n.ConfigXML, nil },
		write: func(body []byte) error {
			_, err := a.nodes.UpdateConfig(c.Ctx(), n.Name, body)
			return err
		},
	})
}
