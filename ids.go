package sms

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"time"
)

// idSource makes the UUID v7 of journal entries (RFC 9562): 48 bits of Unix
// milliseconds, the version, a 12-bit sequence that keeps the IDs a
// generator makes within one millisecond in order, the variant, and 62
// random bits. The random bits come from crypto/rand, read 4 KiB at a time
// rather than once per entry: every transition needs an entry ID, and a
// read of the system's random source each time is a tenth of a
// transition's cost.

type idSource struct {
	buf [4096]byte
	n   int // bytes of buf used
	ms  int64
	seq uint16
}

// newIDSource returns a source whose first ID reads the random source.
func newIDSource() *idSource { return &idSource{n: len(idSource{}.buf)} }

// next returns a new UUID v7 in its text form. A source is not safe for
// concurrent use: each pooled transition scratch has its own.
func (src *idSource) next() (string, error) {
	if src.n+8 > len(src.buf) {
		if _, err := rand.Read(src.buf[:]); err != nil {
			return "", err
		}
		src.n = 0
	}
	if ms := time.Now().UnixMilli(); ms > src.ms {
		src.ms, src.seq = ms, 0
	} else {
		// The same millisecond (or the clock went back): the next in the
		// sequence; past 4,095 of them, borrow the next millisecond, as
		// RFC 9562 allows.
		src.seq++
		if src.seq > 0xfff {
			src.ms++
			src.seq = 0
		}
	}
	var u [16]byte
	binary.BigEndian.PutUint64(u[:8], uint64(src.ms)<<16|0x7000|uint64(src.seq&0xfff))
	copy(u[8:], src.buf[src.n:src.n+8])
	src.n += 8
	u[8] = u[8]&0x3f | 0x80 // the variant
	var s [36]byte
	hex.Encode(s[0:8], u[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], u[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], u[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], u[8:10])
	s[23] = '-'
	hex.Encode(s[24:], u[10:])
	return string(s[:]), nil
}
