package sms

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Personal data and erasure.
//
// A journal is append-only and every entry is hashed into the next: what a
// command carries stays in it for good. A person's e-mail address or name
// must not: a host must be able to honour a request to erase it without
// breaking verification. The host therefore keeps personal values out of
// commands and entities altogether. It seals each one in a [Vault] and
// passes the [Sealed] reference the vault returns where the value would go
// (a reporter, a caller, a contact). The reference is what the journal
// hashes and the entity stores; it holds a salted commitment to the value
// (SHA-256 of a 32-byte random salt and the value), so an auditor who is
// shown the value and the salt can check that it is the one recorded, and
// nobody can recover the value from the reference alone.
//
// Erasing a person ([Vault.Erase]) deletes their values and the salts from
// the vault. The journal and the entities keep the references, unchanged, so
// every hash still verifies; the commitments in them open to nothing any
// more, since the salt is gone, and [Vault.Reveal] says the value was erased
// ([*ErasedError]).
//
// Actor IDs (who acted) are the journal's evidence of segregation of duties
// and are never erased: use staff identifiers that are not personal data
// themselves (an account number, not an e-mail address).

// Sealed is a reference to a personal value kept in a [Vault]: the text
// "pd:" + the value's ID (a UUID) + ":" + the salted commitment, 32 bytes
// in unpadded base64url; 83 bytes, an ID [ValidateID] accepts, so it can go
// in any reference field of a command.
type Sealed string

// sealedPrefix starts every [Sealed] reference.
const sealedPrefix = "pd:"

// SaltSize is the size in bytes of the salt of a sealed value.
const SaltSize = 32

// MaxPersonalLen is the longest personal value a vault seals, in bytes.
const MaxPersonalLen = 4096

// Seal makes the reference to value under a fresh ID and a fresh random
// salt, for a [Vault] implementation to store (value and salt) and return
// (the reference). It refuses, with a [*ValidationError], an empty value,
// one longer than [MaxPersonalLen] or one that is not valid UTF-8.
func Seal(value string) (Sealed, []byte, error) {
	if err := checkPersonal(value); err != nil {
		return "", nil, err
	}
	id, err := uuid.NewRandom()
	if err != nil {
		return "", nil, fmt.Errorf("sms: seal: %w", err)
	}
	salt := make([]byte, SaltSize)
	if _, err := rand.Read(salt); err != nil {
		return "", nil, fmt.Errorf("sms: seal: %w", err)
	}
	c := commitment(salt, value)
	return Sealed(sealedPrefix + id.String() + ":" + base64.RawURLEncoding.EncodeToString(c[:])), salt, nil
}

func checkPersonal(value string) error {
	switch {
	case value == "":
		return &ValidationError{Field: "personal", Problem: "is empty"}
	case len(value) > MaxPersonalLen:
		return &ValidationError{Field: "personal", Problem: fmt.Sprintf("is longer than %d bytes", MaxPersonalLen)}
	case !utf8.ValidString(value):
		return &ValidationError{Field: "personal", Problem: "is not valid UTF-8"}
	}
	return nil
}

// commitment is SHA-256 over a domain tag, the salt and the value.
func commitment(salt []byte, value string) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte("sms personal v1\x00"))
	h.Write(salt)
	h.Write([]byte(value))
	var c [sha256.Size]byte
	h.Sum(c[:0])
	return c
}

// ParseSealed checks that s is a well-formed reference and returns it; a
// [*ValidationError] otherwise.
func ParseSealed(s string) (Sealed, error) {
	if _, _, err := Sealed(s).parts(); err != nil {
		return "", err
	}
	return Sealed(s), nil
}

// IsSealed reports whether s is a well-formed reference to a sealed value.
func IsSealed(s string) bool {
	_, _, err := Sealed(s).parts()
	return err == nil
}

func (s Sealed) parts() (id string, c [sha256.Size]byte, err error) {
	bad := func(problem string) error { return &ValidationError{Field: "sealed", Problem: problem} }
	rest, ok := strings.CutPrefix(string(s), sealedPrefix)
	if !ok {
		return "", c, bad(fmt.Sprintf("does not start with %q", sealedPrefix))
	}
	id, enc, ok := strings.Cut(rest, ":")
	if !ok {
		return "", c, bad("has no commitment")
	}
	u, err := uuid.Parse(id)
	if err != nil || u.String() != id {
		return "", c, bad("has a malformed ID")
	}
	if len(enc) != base64.RawURLEncoding.EncodedLen(sha256.Size) {
		return "", c, bad("has a commitment of the wrong length")
	}
	n, err := base64.RawURLEncoding.Strict().Decode(c[:], []byte(enc))
	if err != nil || n != sha256.Size {
		return "", c, bad("has a malformed commitment")
	}
	return id, c, nil
}

// ID returns the value's ID in its vault, or "" for a malformed reference.
func (s Sealed) ID() string {
	id, _, err := s.parts()
	if err != nil {
		return ""
	}
	return id
}

// Opens reports whether value under salt is the value s commits to, in
// constant time with respect to the commitment. A malformed reference
// opens to nothing.
func (s Sealed) Opens(salt []byte, value string) bool {
	_, c, err := s.parts()
	if err != nil || len(salt) != SaltSize {
		return false
	}
	got := commitment(salt, value)
	return subtle.ConstantTimeCompare(got[:], c[:]) == 1
}

// Vault keeps personal values outside the journal so that they can be
// erased (see [Sealed]). memstore.Vault and sqlstore.Vault implement it.
type Vault interface {
	// Seal stores value, the personal data of subject (the host's
	// identifier of the person, used only to find what to erase), and
	// returns the reference to put in commands instead of the value.
	// Sealing the same value twice gives two references, which nothing
	// links.
	Seal(ctx context.Context, subject, value string) (Sealed, error)
	// Reveal returns the value s refers to, after checking that it opens
	// the commitment in s (a vault row changed behind the library's back is
	// a [*CorruptError]). An erased value is an [*ErasedError]; a reference
	// the vault never issued is a [*NotFoundError].
	Reveal(ctx context.Context, s Sealed) (string, error)
	// Erase deletes every value of subject and its salt, and returns how
	// many it erased. The references stay valid and keep verifying; they
	// reveal an [*ErasedError] from then on. Erasing a subject with nothing
	// left to erase returns 0 and no error.
	Erase(ctx context.Context, subject string) (int, error)
}

// ErasedError reports a sealed value whose subject's data was erased.
type ErasedError struct {
	// ID is the value's ID in the vault.
	ID string
	// At is when it was erased.
	At time.Time
}

// Error implements the error interface.
func (e *ErasedError) Error() string {
	return fmt.Sprintf("sms: personal value %s was erased at %s", e.ID, e.At.UTC().Format(time.RFC3339))
}

// Unwrap returns [ErrNotFound]: an erased value is not there to be read.
func (e *ErasedError) Unwrap() error { return ErrNotFound }

// CheckSubject validates the subject a vault seals under or erases: an ID
// [ValidateID] accepts, reported as a [*ValidationError] on the field
// "subject".
func CheckSubject(subject string) error {
	if err := ValidateID(subject); err != nil {
		return &ValidationError{Field: "subject", Problem: err.(*ValidationError).Problem}
	}
	return nil
}

// Revealed checks a vault's stored value and salt against s and returns
// the value, or a [*CorruptError] naming the vault's row when they do not
// open the commitment: for [Vault] implementations.
func Revealed(s Sealed, salt []byte, value string) (string, error) {
	if !s.Opens(salt, value) {
		return "", &CorruptError{Kind: "personal", ID: s.ID(), Problem: "the stored value does not open the commitment in its reference"}
	}
	return value, nil
}
