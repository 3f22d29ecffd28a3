// Package keys reads the files the commands share: the host's Ed25519
// keys, as PEM (PKCS #8 for the private key, PKIX for the public one),
// and signed checkpoints, as JSON.
package keys

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"

	"github.com/iso20k/sms/checkpoint"
)

// ReadPEM returns the bytes of the PEM block of type typ the file at path
// holds.
func ReadPEM(path, typ string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	b, _ := pem.Decode(raw)
	if b == nil || b.Type != typ {
		return nil, fmt.Errorf("%s: not a PEM %s", path, typ)
	}
	return b.Bytes, nil
}

// ReadPrivate reads the host's Ed25519 private key.
func ReadPrivate(path string) (ed25519.PrivateKey, error) {
	der, err := ReadPEM(path, "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%s: a %T key, not Ed25519", path, k)
	}
	return priv, nil
}

// ReadPublic reads a trusted Ed25519 public key.
func ReadPublic(path string) (ed25519.PublicKey, error) {
	der, err := ReadPEM(path, "PUBLIC KEY")
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	pub, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%s: a %T key, not Ed25519", path, k)
	}
	return pub, nil
}

// ReadCheckpoint reads a signed checkpoint, as the command smsverify
// writes it.
func ReadCheckpoint(path string) (*checkpoint.Checkpoint, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cp := new(checkpoint.Checkpoint)
	if err := json.Unmarshal(raw, cp); err != nil {
		return nil, fmt.Errorf("%s: not a checkpoint: %w", path, err)
	}
	return cp, nil
}
