package git

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"path"
	"strings"
)

// Credential is a resolved credential, as the caller found it by a
// remote's credentialsId: an SSH private key (PrivateKey set) or a
// username and password. Its secrets reach git only through files in a
// private temporary directory and environment variables of the git
// process that needs them, never a command line, the workspace or the
// console.
type Credential struct {
	ID          string
	Description string
	Username    string
	Password    string // username/password credentials
	// PrivateKey is an SSH credential's key, PEM or OpenSSH format;
	// several keys are separated by form feeds, as the credentials store
	// holds them, and ssh is given each.
	PrivateKey []byte
	Passphrase string // of PrivateKey
}

func (c *Credential) isSSH() bool { return c != nil && len(c.PrivateKey) > 0 }

// HostKeyStrategy is Jenkins's SSH host key verification setting
// (org.jenkinsci.plugins.gitclient.GitHostKeyVerificationConfiguration).
type HostKeyStrategy int

const (
	// KnownHostsFile checks host keys against ~/.ssh/known_hosts (the
	// default): StrictHostKeyChecking=yes.
	KnownHostsFile HostKeyStrategy = iota
	// AcceptFirstConnection accepts and remembers an unknown host's key,
	// then requires it: StrictHostKeyChecking=accept-new with a
	// known_hosts file jeeves keeps.
	AcceptFirstConnection
	// ManuallyProvided checks host keys against configured known_hosts
	// lines only.
	ManuallyProvided
	// NoVerification accepts any host key.
	NoVerification
)

// HostKeys is the host key verification to apply to ssh remotes.
type HostKeys struct {
	Strategy HostKeyStrategy
	// KnownHosts is the known_hosts text of ManuallyProvided.
	KnownHosts string
	// AcceptFile is the known_hosts file AcceptFirstConnection keeps on
	// the build machine; "" uses <cache dir>/known_hosts, or the
	// temporary directory (then nothing is remembered) without a cache.
	AcceptFile string
	// KnownHostsFile is KnownHostsFile's file on the build machine; ""
	// uses $HOME/.ssh/known_hosts of the environment git runs with (or
	// ssh's default when it has no HOME).
	KnownHostsFile string
}

// knownHostsHint is what the git client prints when the known hosts
// file strategy has no file to check against.
const knownHostsHint = "You're using 'Known hosts file' strategy to verify ssh host keys, but your known_hosts file does not exist, " +
	"please go to 'Manage Jenkins' -> 'Security' -> 'Git Host Key Verification Configuration' and configure host key verification."

// HostKeyStrategyOf maps the class of a stored
// <sshHostKeyVerificationStrategy> to a strategy; ok is false for an
// unknown class.
func HostKeyStrategyOf(class string) (s HostKeyStrategy, ok bool) {
	switch strings.TrimPrefix(class, "org.jenkinsci.plugins.gitclient.verifier.") {
	case "KnownHostsFileVerificationStrategy":
		return KnownHostsFile, true
	case "AcceptFirstConnectionStrategy":
		return AcceptFirstConnection, true
	case "ManuallyProvidedKeyVerificationStrategy":
		return ManuallyProvided, true
	case "NoHostKeyVerificationStrategy":
		return NoVerification, true
	}
	return KnownHostsFile, false
}

// credEnv is what one network command gets: extra environment.
type credEnv struct {
	env []string
}

// secrets holds the private temporary directory of one checkout or poll
// on the build machine, created on first use and removed by cleanup.
type secrets struct {
	r       Runner
	root    string // the parent directory given by the caller
	dir     string // "" until created
	askpass string
	keys    map[*Credential][]string
	known   string // the manually provided known_hosts file
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported systems
	}
	return hex.EncodeToString(b)
}

func (s *secrets) ensureDir() error {
	if s.dir != "" {
		return nil
	}
	if s.root == "" {
		return errors.New("no temporary directory on the build machine for credentials")
	}
	if err := s.r.MkdirAll(s.root, 0o700); err != nil {
		return err
	}
	d := path.Join(s.root, "jeeves-git-"+randomHex(8))
	if err := s.r.Mkdir(d, 0o700); err != nil {
		return err
	}
	s.dir = d
	return nil
}

// askpassScript answers git's and ssh's prompts from the environment of
// the process that runs it, so that it holds no secret itself.
const askpassScript = `#!/bin/sh
case "$1" in
[Uu]sername*) printf '%s\n' "$JEEVES_GIT_USERNAME" ;;
*) printf '%s\n' "$JEEVES_GIT_PASSWORD" ;;
esac
`

func (s *secrets) askpassPath() (string, error) {
	if s.askpass != "" {
		return s.askpass, nil
	}
	if err := s.ensureDir(); err != nil {
		return "", err
	}
	p := path.Join(s.dir, "askpass.sh")
	if err := s.r.WriteFile(p, []byte(askpassScript), 0o500); err != nil {
		return "", err
	}
	s.askpass = p
	return p, nil
}

// keyPaths writes each of the credential's keys to its own file (0400).
func (s *secrets) keyPaths(c *Credential) ([]string, error) {
	if p, ok := s.keys[c]; ok {
		return p, nil
	}
	if err := s.ensureDir(); err != nil {
		return nil, err
	}
	var paths []string
	for _, key := range bytes.Split(c.PrivateKey, []byte("\f")) {
		if len(bytes.TrimSpace(key)) == 0 {
			continue
		}
		if key[len(key)-1] != '\n' {
			key = append(append([]byte(nil), key...), '\n') // ssh refuses a key without its final newline
		}
		p := path.Join(s.dir, "key-"+randomHex(4))
		if err := s.r.WriteFile(p, key, 0o400); err != nil {
			return nil, err
		}
		paths = append(paths, p)
	}
	if len(paths) == 0 {
		return nil, errors.New("the SSH credential " + c.ID + " has no private key")
	}
	if s.keys == nil {
		s.keys = map[*Credential][]string{}
	}
	s.keys[c] = paths
	return paths, nil
}

func (s *secrets) cleanup() {
	if s.dir != "" {
		_ = s.r.RemoveAll(s.dir)
		s.dir, s.askpass, s.keys, s.known = "", "", nil, ""
	}
}

// shellQuote quotes a word for sh (GIT_SSH_COMMAND is run by a shell).
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// hostKeyOptions are ssh's options for the strategy, and the console
// lines the git client prints for it. home is the HOME git runs with.
func (s *secrets) hostKeyOptions(h HostKeys, cacheDir, home string) (opts []string, lines []string, err error) {
	switch h.Strategy {
	case AcceptFirstConnection:
		f := h.AcceptFile
		if f == "" && cacheDir != "" {
			f = path.Join(cacheDir, "known_hosts")
		}
		if f == "" {
			if err := s.ensureDir(); err != nil {
				return nil, nil, err
			}
			f = path.Join(s.dir, "known_hosts")
		}
		return []string{"-o", "StrictHostKeyChecking=accept-new", "-o", "UserKnownHostsFile=" + shellQuote(f)},
			[]string{"Verifying host key using known hosts file, will automatically accept unseen keys"}, nil
	case ManuallyProvided:
		if s.known == "" {
			if err := s.ensureDir(); err != nil {
				return nil, nil, err
			}
			p := path.Join(s.dir, "known_hosts")
			text := h.KnownHosts
			if !strings.HasSuffix(text, "\n") {
				text += "\n"
			}
			if err := s.r.WriteFile(p, []byte(text), 0o400); err != nil {
				return nil, nil, err
			}
			s.known = p
		}
		return []string{"-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + shellQuote(s.known)},
			[]string{"Verifying host key using manually-configured host key entries"}, nil
	case NoVerification:
		return []string{"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"}, nil, nil
	}
	lines = []string{"Verifying host key using known hosts file"}
	opts = []string{"-o", "StrictHostKeyChecking=yes"}
	f := h.KnownHostsFile
	if f == "" && home != "" {
		f = path.Join(home, ".ssh", "known_hosts")
	}
	if f != "" {
		opts = append(opts, "-o", "UserKnownHostsFile="+shellQuote(f))
		if ok, _, _ := s.r.Stat(f); !ok {
			lines = append(lines, knownHostsHint)
		}
	}
	return opts, lines, nil
}

// forURL prepares what a network command on rawURL needs: the URL to
// give git (userinfo that may hold a secret taken out), the extra
// environment and the console lines. cred may be nil.
func (s *secrets) forURL(rawURL string, cred *Credential, hk HostKeys, cacheDir, home string) (gitURL string, ce credEnv, lines []string, err error) {
	gitURL, urlUser, urlPass := stripUserinfo(rawURL)
	u, _ := ParseURI(rawURL)
	var env []string
	switch {
	case cred.isSSH():
		lines = append(lines, "using GIT_SSH to set credentials "+cred.Description)
	case cred != nil:
		lines = append(lines, "using GIT_ASKPASS to set credentials "+cred.Description)
	}
	user, pass := "", ""
	if urlUser != "" || urlPass != "" {
		user, pass = urlUser, urlPass // a secret in the URL wins over the credential
	} else if cred != nil && !cred.isSSH() {
		user, pass = cred.Username, cred.Password
	}
	if user != "" || pass != "" {
		ap, err := s.askpassPath()
		if err != nil {
			return "", credEnv{}, nil, err
		}
		env = append(env, "GIT_ASKPASS="+ap, "JEEVES_GIT_USERNAME="+user, "JEEVES_GIT_PASSWORD="+pass)
		if u.isSSH() {
			env = append(env, "SSH_ASKPASS="+ap, "SSH_ASKPASS_REQUIRE=force", "DISPLAY=:0")
		}
	}
	if u.isSSH() {
		ssh := []string{"ssh"}
		batch := "yes"
		if cred.isSSH() {
			kps, err := s.keyPaths(cred)
			if err != nil {
				return "", credEnv{}, nil, err
			}
			for _, kp := range kps {
				ssh = append(ssh, "-i", shellQuote(kp))
			}
			ssh = append(ssh, "-o", "IdentitiesOnly=yes")
			login := u.User
			if login == "" {
				login = cred.Username
			}
			if login != "" {
				ssh = append(ssh, "-l", shellQuote(login))
			}
			if cred.Passphrase != "" {
				ap, err := s.askpassPath()
				if err != nil {
					return "", credEnv{}, nil, err
				}
				batch = "no"
				ssh = append(ssh, "-o", "PasswordAuthentication=no", "-o", "KbdInteractiveAuthentication=no")
				env = append(env, "SSH_ASKPASS="+ap, "SSH_ASKPASS_REQUIRE=force", "DISPLAY=:0",
					"JEEVES_GIT_PASSWORD="+cred.Passphrase)
			}
		} else if pass != "" {
			batch = "no"
			ssh = append(ssh, "-o", "NumberOfPasswordPrompts=1")
		}
		opts, hkLines, err := s.hostKeyOptions(hk, cacheDir, home)
		if err != nil {
			return "", credEnv{}, nil, err
		}
		lines = append(lines, hkLines...)
		ssh = append(ssh, "-o", "BatchMode="+batch)
		ssh = append(ssh, opts...)
		env = append(env, "GIT_SSH_COMMAND="+strings.Join(ssh, " "), "GIT_SSH_VARIANT=ssh")
	}
	return gitURL, credEnv{env: env}, lines, nil
}
