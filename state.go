package sms

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// The state digest binds an entity to its journal: every entry carries, in
// its hashed content, the digest of the entity's canonical encoding as the
// transition left it ([Entry.State]). [VerifyHead] recomputes the digest of
// the stored entity and compares it with the head entry's, so a stored
// record whose fields were edited outside the pipeline does not verify.
//
// The canonical encoding covers every field encoding/json stores (exported,
// not tagged "-") but the header [Meta], each named by an ID derived from
// its JSON name ([fieldID]) and written by kind of field (strings, then
// integers, booleans, times, lists of strings, structs, pointers to
// structs, lists of structs, the rest) and within a kind in the order of
// the IDs. The
// header's fields are not digested: [VerifyHead] compares them with the
// journal directly (the ID, the version, the times of the first and last
// entries, the head). A field whose value is the zero value of its type is
// left out, so that adding a field to an entity type in a later release
// leaves the digest of every record stored before it unchanged, and so is
// a struct all of whose fields are zero. Times are encoded as instants (seconds
// and nanoseconds since the Unix epoch), so the encoding survives any JSON
// round trip that keeps the values: what a store decodes digests the same as
// what the pipeline committed.

// stateVersion prefixes the canonical state encoding, so that a future
// encoding cannot collide with this one.
const stateVersion = "sms/s1"

// fieldID names a field in the canonical encoding: the low 24 bits of the
// 32-bit FNV-1a hash of its JSON name. It is derived from the name alone,
// so it is stable across releases, and shorter than most names, which
// keeps the digest of every transition cheap; two names of one type with
// the same ID are refused when the type is compiled (for a type of 50
// fields, the odds are about 1 in 13,000), and a new field is then given
// another name.
func fieldID(name string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(name); i++ {
		h ^= uint32(name[i])
		h *= 16777619
	}
	return h & 0xffffff
}

// appendID appends a field ID: 3 bytes, big-endian.
func appendID(b []byte, id uint32) []byte { return append(b, byte(id>>16), byte(id>>8), byte(id)) }

// StateDigest returns the SHA-256 digest of the entity's canonical
// encoding, the value [Entry.State] holds for the state a transition
// produced. It returns a [*ValidationError] when the entity's type holds a
// field the canonical encoding does not cover (an interface, a channel, a
// function, a map whose keys are not strings, a float that is NaN or
// infinite).
func StateDigest(e any) (Hash, error) {
	bp, _ := buffers.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	h, err := stateDigest(e, bp)
	if cap(*bp) <= 64<<10 {
		buffers.Put(bp)
	}
	return h, err
}

// buffers holds encoding buffers for StateDigest, as encoding/json pools
// its encoders.
var buffers sync.Pool

// stateDigest encodes e into buf (reused when large enough) and hashes it.
func stateDigest(e any, buf *[]byte) (Hash, error) {
	v := reflect.ValueOf(e)
	if !v.IsValid() || (v.Kind() == reflect.Pointer && v.IsNil()) {
		return Hash{}, &ValidationError{Field: "entity", Problem: "is nil"}
	}
	p, err := planOf(v.Type())
	if err != nil {
		return Hash{}, err
	}
	var b []byte
	if buf != nil {
		b = (*buf)[:0]
	}
	b = append(b, stateVersion...)
	b, err = p.enc(b, pointerTo(v))
	if err != nil {
		return Hash{}, err
	}
	if buf != nil {
		*buf = b
	}
	return sha256.Sum256(b), nil
}

// AppendState appends the canonical encoding of e (without the version
// prefix the digest covers) to b. Tests and tools use it to show what a
// digest covers; the pipeline uses [StateDigest].
func AppendState(b []byte, e any) ([]byte, error) {
	v := reflect.ValueOf(e)
	if !v.IsValid() || (v.Kind() == reflect.Pointer && v.IsNil()) {
		return b, &ValidationError{Field: "entity", Problem: "is nil"}
	}
	p, err := planOf(v.Type())
	if err != nil {
		return b, err
	}
	return p.enc(b, pointerTo(v))
}

// pointerTo returns the address of the value v holds or points to, and
// compiles the plan of the pointer's type: planOf is always given the
// type of e itself, so a pointer and a plain value both work.
func pointerTo(v reflect.Value) unsafe.Pointer {
	if v.Kind() == reflect.Pointer {
		return v.UnsafePointer()
	}
	c := reflect.New(v.Type())
	c.Elem().Set(v)
	return c.UnsafePointer()
}

// encoder appends the canonical encoding of the value at p. isZero
// reports whether that value is its type's zero value, in which case a
// struct field holding it is left out.
//
// Encoders read values through pointers computed from the type's layout as
// package reflect reports it, and only ever read: the plan of a type is
// compiled once, from the type alone, and the tests compare what it writes
// with an encoding made through package reflect for every entity type of
// the library.
type encoder struct {
	enc    func(b []byte, p unsafe.Pointer) ([]byte, error)
	isZero func(p unsafe.Pointer) bool
}

type structField struct {
	offset uintptr
	op     fieldOp
	id     uint32 // the field's ID: fieldID of its JSON name
	e      *encoder
	sub    *structPlan // the struct's plan, for opStruct, opPtrStruct and opSliceStruct
	size   uintptr     // the element's size, for opSliceStruct
}

// fieldOp lets the struct encoder handle the common field kinds inline,
// without an indirect call per field: a transition digests its entity, so
// this loop is on every transition's path.
type fieldOp uint8

const (
	opOther fieldOp = iota
	opString
	opInt
	opInt64
	opBool
	opTime
	opStrings
	opStruct
	opPtrStruct   // a pointer to a struct
	opSliceStruct // a slice of structs
)

// structPlan is the compiled form of a struct type: its stored fields,
// ordered by kind of field (opString first, then opInt, ... then opOther)
// and within each kind by ID. The encoder runs one loop per kind, so that
// it does not branch on the kind of each field in turn.
type structPlan struct {
	fields []structField
	groups [opSliceStruct + 1][]structField
}

// plans caches the compiled encoder of each type, as encoding/json caches
// its own: it is computed from the type alone and never changes.
var plans sync.Map // reflect.Type -> *planResult

type planResult struct {
	e   *encoder
	err error
}

var (
	timeType = reflect.TypeFor[time.Time]()
	metaType = reflect.TypeFor[Meta]()
)

// planOf returns the encoder of the value a v of type t holds or points
// to.
func planOf(t reflect.Type) (*encoder, error) {
	if r, ok := plans.Load(t); ok {
		pr := r.(*planResult)
		return pr.e, pr.err
	}
	et := t
	if t.Kind() == reflect.Pointer {
		et = t.Elem()
	}
	e, err := compile(et, &compiler{seen: map[reflect.Type]*encoder{}, plans: map[reflect.Type]*structPlan{}})
	r, _ := plans.LoadOrStore(t, &planResult{e: e, err: err})
	pr := r.(*planResult)
	return pr.e, pr.err
}

func unsupported(t reflect.Type, why string) error {
	return &ValidationError{Field: "entity", Problem: fmt.Sprintf("type %s cannot be digested: %s", t, why)}
}

func intEncoder[T ~int | ~int8 | ~int16 | ~int32 | ~int64]() *encoder {
	return &encoder{
		enc: func(b []byte, p unsafe.Pointer) ([]byte, error) {
			return binary.AppendVarint(b, int64(*(*T)(p))), nil
		},
		isZero: func(p unsafe.Pointer) bool { return *(*T)(p) == 0 },
	}
}

func uintEncoder[T ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr]() *encoder {
	return &encoder{
		enc: func(b []byte, p unsafe.Pointer) ([]byte, error) {
			return binary.AppendUvarint(b, uint64(*(*T)(p))), nil
		},
		isZero: func(p unsafe.Pointer) bool { return *(*T)(p) == 0 },
	}
}

func floatEncoder[T ~float32 | ~float64](t reflect.Type) *encoder {
	return &encoder{
		enc: func(b []byte, p unsafe.Pointer) ([]byte, error) {
			f := float64(*(*T)(p))
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return b, unsupported(t, "a NaN or infinite float has no JSON encoding")
			}
			return binary.BigEndian.AppendUint64(b, math.Float64bits(f)), nil
		},
		isZero: func(p unsafe.Pointer) bool { return *(*T)(p) == 0 },
	}
}

// compiler holds the encoders of one plan's types being compiled: seen
// breaks recursion through pointers and slices of a type being compiled,
// plans holds each struct type's fields.
type compiler struct {
	seen  map[reflect.Type]*encoder
	plans map[reflect.Type]*structPlan
}

// compile builds the encoder of t.
func compile(t reflect.Type, seen *compiler) (*encoder, error) {
	if e := seen.seen[t]; e != nil {
		return e, nil
	}
	switch t.Kind() {
	case reflect.String:
		return &encoder{
			enc: func(b []byte, p unsafe.Pointer) ([]byte, error) {
				return appendString(b, *(*string)(p)), nil
			},
			isZero: func(p unsafe.Pointer) bool { return len(*(*string)(p)) == 0 },
		}, nil
	case reflect.Bool:
		return &encoder{
			enc: func(b []byte, p unsafe.Pointer) ([]byte, error) {
				if *(*bool)(p) {
					return append(b, 1), nil
				}
				return append(b, 0), nil
			},
			isZero: func(p unsafe.Pointer) bool { return !*(*bool)(p) },
		}, nil
	case reflect.Int:
		return intEncoder[int](), nil
	case reflect.Int8:
		return intEncoder[int8](), nil
	case reflect.Int16:
		return intEncoder[int16](), nil
	case reflect.Int32:
		return intEncoder[int32](), nil
	case reflect.Int64:
		return intEncoder[int64](), nil
	case reflect.Uint:
		return uintEncoder[uint](), nil
	case reflect.Uint8:
		return uintEncoder[uint8](), nil
	case reflect.Uint16:
		return uintEncoder[uint16](), nil
	case reflect.Uint32:
		return uintEncoder[uint32](), nil
	case reflect.Uint64:
		return uintEncoder[uint64](), nil
	case reflect.Uintptr:
		return uintEncoder[uintptr](), nil
	case reflect.Float32:
		return floatEncoder[float32](t), nil
	case reflect.Float64:
		return floatEncoder[float64](t), nil
	case reflect.Pointer:
		e := &encoder{}
		seen.seen[t] = e
		elem, err := compile(t.Elem(), seen)
		if err != nil {
			return nil, err
		}
		e.enc = func(b []byte, p unsafe.Pointer) ([]byte, error) {
			q := *(*unsafe.Pointer)(p)
			if q == nil {
				return append(b, 0), nil
			}
			return elem.enc(append(b, 1), q)
		}
		e.isZero = func(p unsafe.Pointer) bool { return *(*unsafe.Pointer)(p) == nil }
		return e, nil
	case reflect.Slice:
		e := &encoder{}
		seen.seen[t] = e
		elem, err := compile(t.Elem(), seen)
		if err != nil {
			return nil, err
		}
		size := t.Elem().Size()
		e.enc = func(b []byte, p unsafe.Pointer) ([]byte, error) {
			s := *(*[]byte)(p) // every slice header has this layout
			n := len(s)
			b = binary.AppendUvarint(b, uint64(n))
			data := unsafe.Pointer(unsafe.SliceData(s))
			var err error
			for i := range n {
				if b, err = elem.enc(b, unsafe.Add(data, uintptr(i)*size)); err != nil {
					return b, err
				}
			}
			return b, nil
		}
		e.isZero = func(p unsafe.Pointer) bool { return len(*(*[]byte)(p)) == 0 }
		return e, nil
	case reflect.Array:
		elem, err := compile(t.Elem(), seen)
		if err != nil {
			return nil, err
		}
		size, n := t.Elem().Size(), t.Len()
		return &encoder{
			enc: func(b []byte, p unsafe.Pointer) ([]byte, error) {
				b = binary.AppendUvarint(b, uint64(n))
				var err error
				for i := range n {
					if b, err = elem.enc(b, unsafe.Add(p, uintptr(i)*size)); err != nil {
						return b, err
					}
				}
				return b, nil
			},
			isZero: func(p unsafe.Pointer) bool {
				for i := range n {
					if !elem.isZero(unsafe.Add(p, uintptr(i)*size)) {
						return false
					}
				}
				return true
			},
		}, nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return nil, unsupported(t, "map keys must be strings")
		}
		e := &encoder{}
		seen.seen[t] = e
		elem, err := compile(t.Elem(), seen)
		if err != nil {
			return nil, err
		}
		e.enc = func(b []byte, p unsafe.Pointer) ([]byte, error) {
			v := reflect.NewAt(t, p).Elem()
			keys := v.MapKeys()
			slices.SortFunc(keys, func(x, y reflect.Value) int { return strings.Compare(x.String(), y.String()) })
			b = binary.AppendUvarint(b, uint64(len(keys)))
			val := reflect.New(t.Elem())
			var err error
			for _, k := range keys {
				b = appendString(b, k.String())
				val.Elem().Set(v.MapIndex(k))
				if b, err = elem.enc(b, val.UnsafePointer()); err != nil {
					return b, err
				}
			}
			return b, nil
		}
		e.isZero = func(p unsafe.Pointer) bool { return reflect.NewAt(t, p).Elem().Len() == 0 }
		return e, nil
	case reflect.Struct:
		if t == timeType {
			return &encoder{
				enc: func(b []byte, p unsafe.Pointer) ([]byte, error) {
					tm := (*time.Time)(p)
					b = binary.AppendVarint(b, tm.Unix())
					return binary.AppendUvarint(b, uint64(tm.Nanosecond())), nil
				},
				isZero: func(p unsafe.Pointer) bool { return (*time.Time)(p).IsZero() },
			}, nil
		}
		return compileStruct(t, seen)
	}
	return nil, unsupported(t, "a "+t.Kind().String()+" is not stored by encoding/json or has no canonical form")
}

// compileStruct encodes the fields encoding/json stores, flattening
// embedded structs as it does. A struct is framed by '{' and '}', and each
// field that is not zero is written as its JSON name and its value; a
// nested struct field all of whose fields are zero is left out, like any
// zero field.
func compileStruct(t reflect.Type, seen *compiler) (*encoder, error) {
	e := &encoder{}
	seen.seen[t] = e
	sp := &structPlan{}
	seen.plans[t] = sp
	var walk func(t reflect.Type, base uintptr) error
	walk = func(t reflect.Type, base uintptr) error {
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct {
				if f.Type == metaType {
					continue // the header: VerifyHead checks it against the journal itself
				}
				if err := walk(f.Type, base+f.Offset); err != nil {
					return err
				}
				continue
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			fe, err := compile(f.Type, seen)
			if err != nil {
				return err
			}
			sf := structField{offset: base + f.Offset, id: fieldID(name), e: fe}
			switch k := f.Type.Kind(); {
			case f.Type == timeType:
				sf.op = opTime
			case k == reflect.String:
				sf.op = opString
			case k == reflect.Int:
				sf.op = opInt
			case k == reflect.Int64:
				sf.op = opInt64
			case k == reflect.Bool:
				sf.op = opBool
			case k == reflect.Slice && f.Type.Elem().Kind() == reflect.String:
				sf.op = opStrings
			case k == reflect.Struct:
				sf.op, sf.sub = opStruct, seen.plans[f.Type]
			case k == reflect.Pointer && f.Type.Elem().Kind() == reflect.Struct && f.Type.Elem() != timeType:
				sf.op, sf.sub = opPtrStruct, seen.plans[f.Type.Elem()]
			case k == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct && f.Type.Elem() != timeType:
				sf.op, sf.sub, sf.size = opSliceStruct, seen.plans[f.Type.Elem()], f.Type.Elem().Size()
			}
			sp.fields = append(sp.fields, sf)
		}
		return nil
	}
	if err := walk(t, 0); err != nil {
		return nil, err
	}
	// Fields are written by kind, then in the order of their IDs, so that
	// reordering the fields of a type changes no digest; two names with one
	// ID (or one name twice) cannot be told apart and are refused.
	slices.SortFunc(sp.fields, func(a, b structField) int { return cmp.Compare(a.id, b.id) })
	for i := 1; i < len(sp.fields); i++ {
		if sp.fields[i].id == sp.fields[i-1].id {
			return nil, unsupported(t, "two fields are stored under one JSON name, or names of the same field ID")
		}
	}
	for _, f := range sp.fields {
		sp.groups[f.op] = append(sp.groups[f.op], f)
	}
	e.enc = func(b []byte, p unsafe.Pointer) ([]byte, error) {
		b = append(b, '{')
		b, err := sp.appendFields(b, p)
		return append(b, '}'), err
	}
	e.isZero = func(p unsafe.Pointer) bool {
		for i := range sp.fields {
			if !sp.fields[i].e.isZero(unsafe.Add(p, sp.fields[i].offset)) {
				return false
			}
		}
		return true
	}
	return e, nil
}

// appendFields appends every field of the struct at p that is not zero.
func (sp *structPlan) appendFields(b []byte, p unsafe.Pointer) ([]byte, error) {
	var err error
	g := &sp.groups
	for i := range g[opString] {
		f := &g[opString][i]
		if s := *(*string)(unsafe.Add(p, f.offset)); len(s) > 0 {
			b = appendID(b, f.id)
			b = appendString(b, s)
		}
	}
	for i := range g[opInt] {
		f := &g[opInt][i]
		if n := *(*int)(unsafe.Add(p, f.offset)); n != 0 {
			b = appendID(b, f.id)
			b = binary.AppendVarint(b, int64(n))
		}
	}
	for i := range g[opInt64] {
		f := &g[opInt64][i]
		if n := *(*int64)(unsafe.Add(p, f.offset)); n != 0 {
			b = appendID(b, f.id)
			b = binary.AppendVarint(b, n)
		}
	}
	for i := range g[opBool] {
		f := &g[opBool][i]
		if *(*bool)(unsafe.Add(p, f.offset)) {
			b = appendID(b, f.id)
			b = append(b, 1)
		}
	}
	for i := range g[opTime] {
		f := &g[opTime][i]
		if tm := (*time.Time)(unsafe.Add(p, f.offset)); !tm.IsZero() {
			b = appendID(b, f.id)
			b = binary.AppendVarint(b, tm.Unix())
			b = binary.AppendUvarint(b, uint64(tm.Nanosecond()))
		}
	}
	for i := range g[opStrings] {
		f := &g[opStrings][i]
		if ss := *(*[]string)(unsafe.Add(p, f.offset)); len(ss) > 0 {
			b = appendID(b, f.id)
			b = binary.AppendUvarint(b, uint64(len(ss)))
			for _, s := range ss {
				b = appendString(b, s)
			}
		}
	}
	for i := range g[opStruct] {
		f := &g[opStruct][i]
		// Written, then taken back if no field of it was: a struct all
		// of whose fields are zero is left out.
		mark := len(b)
		b = appendID(b, f.id)
		b = append(b, '{')
		open := len(b)
		if b, err = f.sub.appendFields(b, unsafe.Add(p, f.offset)); err != nil {
			return b, err
		}
		if len(b) == open {
			b = b[:mark]
		} else {
			b = append(b, '}')
		}
	}
	for i := range g[opPtrStruct] {
		f := &g[opPtrStruct][i]
		q := *(*unsafe.Pointer)(unsafe.Add(p, f.offset))
		if q == nil {
			continue
		}
		b = appendID(b, f.id)
		b = append(b, 1, '{')
		if b, err = f.sub.appendFields(b, q); err != nil {
			return b, err
		}
		b = append(b, '}')
	}
	for i := range g[opSliceStruct] {
		f := &g[opSliceStruct][i]
		sl := *(*[]byte)(unsafe.Add(p, f.offset)) // every slice header has this layout
		n := len(sl)
		if n == 0 {
			continue
		}
		b = appendID(b, f.id)
		b = binary.AppendUvarint(b, uint64(n))
		data := unsafe.Pointer(unsafe.SliceData(sl))
		for j := range n {
			b = append(b, '{')
			if b, err = f.sub.appendFields(b, unsafe.Add(data, uintptr(j)*f.size)); err != nil {
				return b, err
			}
			b = append(b, '}')
		}
	}
	for i := range g[opOther] {
		f := &g[opOther][i]
		fp := unsafe.Add(p, f.offset)
		if f.e.isZero(fp) {
			continue
		}
		b = appendID(b, f.id)
		if b, err = f.e.enc(b, fp); err != nil {
			return b, err
		}
	}
	return b, nil
}
