package memstore

import (
	"context"
	"sync"
	"time"

	"github.com/iso20k/sms"
)

// Vault is an in-memory [sms.Vault]: personal values kept outside the
// journal, erasable by subject. It is safe for concurrent use. The zero
// value is not usable; call [NewVault].
type Vault struct {
	now func() time.Time

	mu      sync.Mutex
	values  map[string]*sealedValue // by ID
	subject map[string][]string     // subject -> IDs not yet erased
}

type sealedValue struct {
	subject string
	salt    []byte
	value   string
	erased  time.Time // zero while kept
}

// NewVault returns an empty vault.
func NewVault() *Vault {
	return &Vault{now: time.Now, values: map[string]*sealedValue{}, subject: map[string][]string{}}
}

// Seal implements [sms.Vault].
func (v *Vault) Seal(ctx context.Context, subject, value string) (sms.Sealed, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if err := sms.CheckSubject(subject); err != nil {
		return "", err
	}
	s, salt, err := sms.Seal(value)
	if err != nil {
		return "", err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	id := s.ID()
	v.values[id] = &sealedValue{subject: subject, salt: salt, value: value}
	v.subject[subject] = append(v.subject[subject], id)
	return s, nil
}

// Reveal implements [sms.Vault].
func (v *Vault) Reveal(ctx context.Context, s sms.Sealed) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if _, err := sms.ParseSealed(string(s)); err != nil {
		return "", err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	sv := v.values[s.ID()]
	switch {
	case sv == nil:
		return "", &sms.NotFoundError{Kind: "personal", ID: s.ID()}
	case !sv.erased.IsZero():
		return "", &sms.ErasedError{ID: s.ID(), At: sv.erased}
	}
	return sms.Revealed(s, sv.salt, sv.value)
}

// Erase implements [sms.Vault]: the values, salts and subject are dropped;
// only the ID and the time of erasure remain.
func (v *Vault) Erase(ctx context.Context, subject string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := sms.CheckSubject(subject); err != nil {
		return 0, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	ids := v.subject[subject]
	at := v.now().UTC().Truncate(time.Microsecond)
	for _, id := range ids {
		v.values[id] = &sealedValue{erased: at}
	}
	delete(v.subject, subject)
	return len(ids), nil
}

var _ sms.Vault = (*Vault)(nil)
