package credentials

import (
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"
)

// checkPrivateKeys checks that each key (separated by form feeds) parses
// as a private key OpenSSH can use (PEM: PKCS#1, PKCS#8, SEC 1, or the
// OpenSSH format), decrypting it with passphrase when it is encrypted.
// The errors name the problem and never hold key material.
func checkPrivateKeys(keys, passphrase Secret) error {
	var list []string
	for k := range strings.SplitSeq(string(keys), "\f") {
		if strings.TrimSpace(k) != "" {
			list = append(list, k)
		}
	}
	if len(list) == 0 {
		return errors.New("an SSH credential needs a private key")
	}
	for i, k := range list {
		which := "the private key"
		if len(list) > 1 {
			which = fmt.Sprintf("private key %d of %d", i+1, len(list))
		}
		if err := checkPrivateKey([]byte(k), []byte(passphrase)); err != nil {
			return fmt.Errorf("%s %v", which, err)
		}
	}
	return nil
}

func checkPrivateKey(key, passphrase []byte) error {
	_, err := ssh.ParseRawPrivateKey(key)
	var missing *ssh.PassphraseMissingError
	switch {
	case err == nil:
		return nil // a passphrase given for a plain key is not needed
	case errors.As(err, &missing):
		if len(passphrase) == 0 {
			return errors.New("is encrypted: give its passphrase")
		}
		_, err = ssh.ParseRawPrivateKeyWithPassphrase(key, passphrase)
		if errors.Is(err, x509.IncorrectPasswordError) {
			return errors.New("does not decrypt with the passphrase given")
		}
		if err != nil {
			return fmt.Errorf("does not parse (%v)", err)
		}
		return nil
	case err.Error() == "ssh: no key found":
		return errors.New("is not a private key in PEM or OpenSSH form (a PuTTY key must be converted first)")
	default:
		return fmt.Errorf("does not parse (%v)", err)
	}
}
