package credentials

import (
	"fmt"
	"strings"
)

// ClassSystemStore is the root element of $JENKINS_HOME/credentials.xml.
const ClassSystemStore = "com.cloudbees.plugins.credentials.SystemCredentialsProvider"

// StoreFile is what a credentials.xml holds.
type StoreFile struct {
	Domains []Domain
	// Problems are the credentials that could not be read (another
	// type, a Jenkins-encrypted value, an invalid id…), each error
	// naming the credential; the others are read regardless.
	Problems []error
}

// Domain is a domain of a store and its credentials.
type Domain struct {
	// Name is "" for the global domain ("_" in URLs).
	Name        string
	Description string
	Credentials []*Credential
}

// ParseStoreXML reads a credentials.xml with the zero Parser. See
// Parser.ParseStoreXML.
func ParseStoreXML(data []byte) (*StoreFile, error) { return Parser{}.ParseStoreXML(data) }

// ParseStoreXML reads $JENKINS_HOME/credentials.xml as Jenkins writes it:
//
//	<com.cloudbees.plugins.credentials.SystemCredentialsProvider plugin="…">
//	  <domainCredentialsMap class="hudson.util.CopyOnWriteMap$Hash">
//	    <entry>
//	      <com.cloudbees.plugins.credentials.domains.Domain>…</…Domain>
//	      <java.util.concurrent.CopyOnWriteArrayList>credentials…</…>
//	    </entry>
//	  </domainCredentialsMap>
//	</com.cloudbees.plugins.credentials.SystemCredentialsProvider>
//
// A domain without <name> is the global one. Each credential is read as
// ParseXML reads one and then validated (a redacted value is a problem);
// one that fails is reported in Problems and skipped. Only a document
// that is not a credentials.xml at all is an error.
func (p Parser) ParseStoreXML(data []byte) (*StoreFile, error) {
	root, err := parseTree(data)
	if err != nil {
		return nil, err
	}
	if root.name != ClassSystemStore {
		return nil, invalid("<%s> is not a credentials.xml: its root must be <%s>", trimName(root.name), ClassSystemStore)
	}
	sf := &StoreFile{}
	for _, m := range root.children {
		if m.name != "domainCredentialsMap" {
			continue
		}
		for _, e := range m.children {
			if e.name != "entry" || len(e.children) != 2 {
				return nil, invalid("line %d: an entry of <domainCredentialsMap> must hold a domain and a list of credentials", e.line)
			}
			dn, list := e.children[0], e.children[1]
			d := Domain{}
			for _, f := range dn.children {
				switch f.name {
				case "name":
					d.Name = string(f.text)
				case "description":
					d.Description = string(f.text)
				}
			}
			for _, cn := range list.children {
				c, err := p.fromNode(cn)
				if err == nil {
					err = c.Validate()
				}
				if err != nil {
					sf.Problems = append(sf.Problems, storeProblem(d.Name, cn, err))
					continue
				}
				d.Credentials = append(d.Credentials, c)
			}
			sf.Domains = append(sf.Domains, d)
		}
	}
	return sf, nil
}

// storeProblem names the credential an error is about.
func storeProblem(domain string, n *node, err error) error {
	if domain == "" {
		domain = "_"
	}
	id := ""
	for _, c := range n.children {
		if c.name == "id" {
			id = strings.TrimSpace(string(c.text))
		}
	}
	return fmt.Errorf("domain %s, line %d, credential %s (%s): %w", quoteShort(domain), n.line, quoteShort(id), trimName(n.name), err)
}
