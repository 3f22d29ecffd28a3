package memstore

import (
	"encoding/binary"
	"time"

	"github.com/iso20k/sms"
)

// Journal entries are kept encoded in one growing byte slice per entity.
// The encoding holds no pointers, so the garbage collector never scans a
// journal however long it grows, and appending costs one copy of the bytes.
// Kind and entity ID are the record's and are not repeated per entry, nor
// is Prev: every commit's entries chain (sms.CheckCommit and the store's
// own check of the first), so an entry's Prev is the hash of the one
// before it.

func appendString(b []byte, s string) []byte {
	if n := len(s); n < 0x80 {
		b = append(b, byte(n))
	} else {
		b = binary.AppendUvarint(b, uint64(n))
	}
	return append(b, s...)
}

func appendEntry(b []byte, e *sms.Entry) []byte {
	b = appendString(b, e.ID)
	b = binary.AppendUvarint(b, uint64(e.Seq))
	b = appendString(b, e.Trigger)
	b = appendString(b, e.From)
	b = appendString(b, e.To)
	b = appendString(b, e.Actor.ID)
	b = binary.AppendUvarint(b, uint64(len(e.Actor.Roles)))
	for _, r := range e.Actor.Roles {
		b = appendString(b, string(r))
	}
	b = binary.AppendVarint(b, e.At.Unix())
	b = binary.AppendUvarint(b, uint64(e.At.Nanosecond()))
	b = appendString(b, e.Reason)
	b = binary.AppendUvarint(b, uint64(len(e.Payload)))
	for _, f := range e.Payload {
		b = appendString(b, f.Key)
		b = appendString(b, f.Value)
	}
	b = append(b, e.State[:]...)
	b = appendString(b, e.Key)
	if e.Key != "" {
		b = append(b, e.Request[:]...)
	}
	return append(b, e.Hash[:]...)
}

type decoder struct{ b []byte }

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *decoder) hash() (h sms.Hash) {
	copy(h[:], d.b)
	d.b = d.b[len(h):]
	return h
}

// entry decodes the next entry; the store wrote it, so it is well formed.
func (d *decoder) entry(kind sms.Kind, id string) sms.Entry {
	e := sms.Entry{Kind: kind, EntityID: id}
	e.ID = d.string()
	e.Seq = int64(d.uvarint())
	e.Trigger, e.From, e.To = d.string(), d.string(), d.string()
	e.Actor.ID = d.string()
	if n := d.uvarint(); n > 0 {
		e.Actor.Roles = make([]sms.Role, n)
		for i := range e.Actor.Roles {
			e.Actor.Roles[i] = sms.Role(d.string())
		}
	}
	sec := d.varint()
	e.At = time.Unix(sec, int64(d.uvarint())).UTC()
	e.Reason = d.string()
	if n := d.uvarint(); n > 0 {
		e.Payload = make([]sms.Field, n)
		for i := range e.Payload {
			e.Payload[i] = sms.Field{Key: d.string(), Value: d.string()}
		}
	}
	e.State = d.hash()
	if e.Key = d.string(); e.Key != "" {
		e.Request = d.hash()
	}
	e.Hash = d.hash()
	return e
}
