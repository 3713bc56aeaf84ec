package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// secret is a configured password or token.
type secret struct {
	// hash is the bcrypt hash when isBcrypt, else nil.
	hash []byte
	// sum is the SHA-256 of a plain secret. Comparing digests in constant time
	// hides the secret's length as well as its content.
	sum      [sha256.Size]byte
	isBcrypt bool
	set      bool
}

// newSecret classifies a configured value: one that starts like a bcrypt hash
// (^\$2[abxy]\$\d{2}\$) must be a well-formed hash, anything else is plain text.
func newSecret(v string) (secret, error) {
	if v == "" {
		return secret{}, nil
	}
	if !looksLikeBcrypt(v) {
		return secret{sum: sha256.Sum256([]byte(v)), set: true}, nil
	}
	if _, err := bcrypt.Cost([]byte(v)); err != nil {
		return secret{}, fmt.Errorf("malformed bcrypt hash: %w", err)
	}
	return secret{hash: []byte(v), isBcrypt: true, set: true}, nil
}

// looksLikeBcrypt reports whether s matches ^\$2[abxy]\$\d{2}\$.
func looksLikeBcrypt(s string) bool {
	return len(s) >= 7 && s[0] == '$' && s[1] == '2' &&
		(s[2] == 'a' || s[2] == 'b' || s[2] == 'x' || s[2] == 'y') &&
		s[3] == '$' && isDigit(s[4]) && isDigit(s[5]) && s[6] == '$'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// matches reports whether given is the secret. It runs bcrypt when the secret
// is a hash, which takes tens of milliseconds at the usual costs.
func (s *secret) matches(given string) bool {
	if !s.set {
		return false
	}
	if s.isBcrypt {
		return bcrypt.CompareHashAndPassword(s.hash, []byte(given)) == nil
	}
	sum := sha256.Sum256([]byte(given))
	return subtle.ConstantTimeCompare(s.sum[:], sum[:]) == 1
}
