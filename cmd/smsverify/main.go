// Command smsverify checks the evidence of an sms database, and writes the
// signed checkpoints that anchor it outside the database.
//
//	smsverify keygen -out host
//	smsverify checkpoint -db sms.db -key host.key -out cp-0001.json
//	smsverify verify -db sms.db -pub host.pub -checkpoint cp-0001.json -checkpoint cp-0002.json
//	smsverify prove -db sms.db -checkpoint cp-0001.json -entity incident/INC-1 -out inc-1.proof.json
//	smsverify verify -db sms.db -pub host.pub -checkpoint cp-0001.json -proof inc-1.proof.json
//
// keygen writes an Ed25519 key pair: NAME.key (PKCS #8, PEM, readable by
// its owner only), which the host keeps secret and away from the
// database's administrators, and NAME.pub (PKIX, PEM), which it gives to
// the auditor. checkpoint, run by the host (periodically: every hour, every
// night), signs the heads of every journal in the database, stores the
// checkpoint and its leaves in the database, and writes the checkpoint's
// JSON: a few hundred bytes, for the auditor to keep.
//
// verify, run by the auditor, opens the database read-only and reports:
// every record of the kinds the library knows that does not verify against
// its journal (a field, the status or the version changed outside the
// library, an entry altered, a journal whose record is gone); then, for
// each checkpoint file given, whether it is signed by the trusted key,
// whether the database still holds its leaves unaltered, and every journal
// it covered that was since erased, truncated, rewritten or broken; and
// whether each checkpoint extends the one before it. With -proof, it
// checks one record's inclusion proof against its checkpoint, and the
// record's journal against the proof. It exits 0 when everything
// verifies, 1 when it found problems, 2 when it could not check.
//
// -db names a SQLite file; -dsn a PostgreSQL database (as pgx reads it),
// instead.
package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"database/sql"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/change"
	"github.com/iso20k/sms/checkpoint"
	"github.com/iso20k/sms/cmd/internal/keys"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/problem"
	"github.com/iso20k/sms/release"
	"github.com/iso20k/sms/request"
	"github.com/iso20k/sms/review"
	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/postgres"
	"github.com/iso20k/sms/sqlstore/sqlite"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: smsverify <command> [flags]

commands:
  keygen      -out NAME                            write the host's key pair NAME.key and NAME.pub
  checkpoint  (-db FILE | -dsn DSN) -key NAME.key [-origin NAME] -out FILE
                                                   sign and store a checkpoint of every journal
  verify      (-db FILE | -dsn DSN) -pub NAME.pub [-checkpoint FILE]... [-proof FILE]
                                                   check records, checkpoints and proofs
  prove       (-db FILE | -dsn DSN) -checkpoint FILE -entity KIND/ID -out FILE
                                                   write one record's inclusion proof
`

// exit codes
const (
	exitOK       = 0
	exitProblems = 1
	exitError    = 2
)

type files []string

func (f *files) String() string     { return strings.Join(*f, ",") }
func (f *files) Set(s string) error { *f = append(*f, s); return nil }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitError
	}
	cmd, args := args[0], args[1:]
	fs := flag.NewFlagSet("smsverify "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		dbPath  = fs.String("db", "", "SQLite database file")
		dsn     = fs.String("dsn", "", "PostgreSQL DSN, instead of -db")
		out     = fs.String("out", "", "file to write")
		keyFile = fs.String("key", "", "the host's private key (checkpoint)")
		pubFile = fs.String("pub", "", "the trusted public key (verify)")
		origin  = fs.String("origin", "", "the store's name in its checkpoints (default: the file or DSN)")
		entity  = fs.String("entity", "", "KIND/ID of one record (prove)")
		proof   = fs.String("proof", "", "an inclusion proof to check (verify)")
		cps     files
	)
	fs.Var(&cps, "checkpoint", "a checkpoint file (repeatable)")
	if err := fs.Parse(args); err != nil {
		return exitError
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "smsverify:", err)
		return exitError
	}
	switch cmd {
	case "keygen":
		if *out == "" {
			return fail(errors.New("keygen needs -out NAME"))
		}
		return report(keygen(*out, stdout), stderr)
	case "checkpoint", "verify", "prove":
	default:
		fmt.Fprint(stderr, usage)
		return exitError
	}
	st, err := open(ctx, *dbPath, *dsn, cmd != "checkpoint")
	if err != nil {
		return fail(err)
	}
	defer st.close()
	switch cmd {
	case "checkpoint":
		if *keyFile == "" || *out == "" {
			return fail(errors.New("checkpoint needs -key and -out"))
		}
		name := *origin
		if name == "" {
			name = st.name
		}
		return report(writeCheckpoint(ctx, st, *keyFile, name, *out, stdout), stderr)
	case "prove":
		if len(cps) != 1 || *entity == "" || *out == "" {
			return fail(errors.New("prove needs one -checkpoint, -entity KIND/ID and -out"))
		}
		return report(prove(ctx, st, cps[0], *entity, *out, stdout), stderr)
	}
	if *pubFile == "" {
		return fail(errors.New("verify needs -pub, the trusted public key"))
	}
	pub, err := keys.ReadPublic(*pubFile)
	if err != nil {
		return fail(err)
	}
	problems, err := verify(ctx, st, pub, cps, *proof, stdout)
	if err != nil {
		return fail(err)
	}
	if problems > 0 {
		fmt.Fprintf(stdout, "result: %d problem(s) found\n", problems)
		return exitProblems
	}
	fmt.Fprintln(stdout, "result: everything verifies")
	return exitOK
}

func report(err error, stderr io.Writer) int {
	if err != nil {
		fmt.Fprintln(stderr, "smsverify:", err)
		return exitError
	}
	return exitOK
}

// store is an opened database.
type store struct {
	sql  *sql.DB
	d    sqlstore.Dialect
	ev   *sqlstore.Evidence
	name string
}

func (s *store) close() { s.sql.Close() }

func open(ctx context.Context, path, dsn string, readOnly bool) (*store, error) {
	switch {
	case (path == "") == (dsn == ""):
		return nil, errors.New("name the database with -db FILE (SQLite) or -dsn DSN (PostgreSQL)")
	case path != "":
		if _, err := os.Stat(path); err != nil {
			return nil, err
		}
		var opts []sqlite.Option
		if readOnly {
			opts = append(opts, sqlite.WithReadOnly())
		}
		db, err := sqlite.Open(ctx, path, opts...)
		if err != nil {
			return nil, err
		}
		ev, err := sqlstore.NewEvidence(ctx, db, sqlite.Dialect{})
		if err != nil {
			db.Close()
			return nil, err
		}
		return &store{sql: db, d: sqlite.Dialect{}, ev: ev, name: path}, nil
	default:
		db, err := postgres.Open(ctx, dsn)
		if err != nil {
			return nil, err
		}
		ev, err := sqlstore.NewEvidence(ctx, db, postgres.Dialect{})
		if err != nil {
			db.Close()
			return nil, err
		}
		return &store{sql: db, d: postgres.Dialect{}, ev: ev, name: "postgres"}, nil
	}
}

func keygen(name string, stdout io.Writer) error {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return err
	}
	if err := writeNew(name+".key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return err
	}
	if err := writeNew(name+".pub", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s.key (keep it secret) and %s.pub (give it to the auditor); key %x\n", name, name, pub[:8])
	return nil
}

// writeNew writes a file that must not exist yet.
func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeCheckpoint(ctx context.Context, st *store, keyFile, origin, out string, stdout io.Writer) error {
	priv, err := keys.ReadPrivate(keyFile)
	if err != nil {
		return err
	}
	cp, err := st.ev.Checkpoint(ctx, priv, origin, time.Now())
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(cp, "", "  ")
	if err != nil {
		return err
	}
	if err := writeNew(out, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "checkpoint %d of %q: %d journals, root %s, written to %s\n", cp.Seq, cp.Origin, cp.Size, cp.Root, out)
	return nil
}

func prove(ctx context.Context, st *store, cpFile, entity, out string, stdout io.Writer) error {
	cp, err := keys.ReadCheckpoint(cpFile)
	if err != nil {
		return err
	}
	kind, id, ok := strings.Cut(entity, "/")
	if !ok {
		return fmt.Errorf("-entity %q: want KIND/ID", entity)
	}
	leaves, err := st.ev.Leaves(ctx, cp.Seq)
	if err != nil {
		return err
	}
	if err := cp.CheckLeaves(leaves); err != nil {
		return err
	}
	p, err := leaves.Prove(sms.Kind(kind), id)
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	if err := writeNew(out, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "proof of %s in checkpoint %d (%d path hashes) written to %s\n", p.Leaf, cp.Seq, len(p.Path), out)
	return nil
}

func verify(ctx context.Context, st *store, pub ed25519.PublicKey, cpFiles []string, proofFile string, stdout io.Writer) (int, error) {
	problems := 0
	n, bad, err := verifyRecords(ctx, st, stdout)
	if err != nil {
		return 0, err
	}
	problems += bad
	fmt.Fprintf(stdout, "records: %d verified, %d do not verify\n", n, bad)

	var kept []*checkpoint.Checkpoint
	for _, f := range cpFiles {
		cp, err := keys.ReadCheckpoint(f)
		if err != nil {
			return 0, err
		}
		kept = append(kept, cp)
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].Seq < kept[j].Seq })
	leaves := map[int64]*checkpoint.Leaves{}
	for _, cp := range kept {
		fmt.Fprintf(stdout, "checkpoint %d of %q (%s, %d journals, key %s):\n", cp.Seq, cp.Origin, cp.Time.Format(time.RFC3339), cp.Size, cp.KeyID())
		if err := cp.VerifySignature(pub); err != nil {
			problems++
			fmt.Fprintf(stdout, "  NOT SIGNED by the trusted key: %v\n", err)
			continue
		}
		l, err := st.ev.Leaves(ctx, cp.Seq)
		if err == nil {
			err = cp.CheckLeaves(l)
		}
		if err != nil {
			problems++
			fmt.Fprintf(stdout, "  its leaves are missing from the database or altered: %v\n", err)
			continue
		}
		leaves[cp.Seq] = l
		r, err := checkpoint.Verify(ctx, cp, pub, l, st.ev)
		if err != nil {
			return 0, err
		}
		fmt.Fprintf(stdout, "  signature ok, leaves ok, %d journals checked, %d problem(s)\n", r.Checked, len(r.Problems))
		for _, p := range r.Problems {
			fmt.Fprintf(stdout, "  %s\n", p)
		}
		problems += len(r.Problems)
	}
	for i := 1; i < len(kept); i++ {
		prev, next := kept[i-1], kept[i]
		if leaves[prev.Seq] == nil || leaves[next.Seq] == nil {
			continue
		}
		if err := checkpoint.Extends(prev, next, pub, leaves[prev.Seq], leaves[next.Seq]); err != nil {
			problems++
			fmt.Fprintf(stdout, "checkpoint %d does NOT extend checkpoint %d: %v\n", next.Seq, prev.Seq, err)
			continue
		}
		fmt.Fprintf(stdout, "checkpoint %d extends checkpoint %d\n", next.Seq, prev.Seq)
	}
	if proofFile != "" {
		if len(kept) != 1 {
			return 0, errors.New("-proof needs exactly one -checkpoint, the one the proof is of")
		}
		raw, err := os.ReadFile(proofFile)
		if err != nil {
			return 0, err
		}
		var p checkpoint.Proof
		if err := json.Unmarshal(raw, &p); err != nil {
			return 0, fmt.Errorf("%s: not a proof: %w", proofFile, err)
		}
		j, err := st.ev.Journal(ctx, p.Leaf.Kind, p.Leaf.ID)
		if err == nil {
			err = checkpoint.VerifyRecord(kept[0], pub, &p, j)
		}
		if err != nil {
			problems++
			fmt.Fprintf(stdout, "proof of %s: does NOT verify: %v\n", p.Leaf, err)
		} else {
			fmt.Fprintf(stdout, "proof of %s: the record is in checkpoint %d and its journal still holds that entry\n", p.Leaf, kept[0].Seq)
		}
	}
	return problems, nil
}

// verifyRecords verifies every record of every kind the library knows, and
// that every journal of those kinds still has its record.
func verifyRecords(ctx context.Context, st *store, stdout io.Writer) (ok, bad int, err error) {
	known := map[sms.Kind]func() (int, int, error){}
	add := func(kind sms.Kind, f func() (int, int, error)) { known[kind] = f }
	add(incident.Kind, func() (int, int, error) { return records[*incident.Incident](ctx, st, stdout) })
	add(problem.Kind, func() (int, int, error) { return records[*problem.Problem](ctx, st, stdout) })
	add(problem.KnownErrorKind, func() (int, int, error) { return records[*problem.KnownError](ctx, st, stdout) })
	add(request.Kind, func() (int, int, error) { return records[*request.Request](ctx, st, stdout) })
	add(request.ItemKind, func() (int, int, error) { return records[*request.Item](ctx, st, stdout) })
	add(change.Kind, func() (int, int, error) { return records[*change.Change](ctx, st, stdout) })
	add(change.PlanKind, func() (int, int, error) { return records[*change.TransitionPlan](ctx, st, stdout) })
	add(change.TemplateKind, func() (int, int, error) { return records[*change.Template](ctx, st, stdout) })
	add(release.Kind, func() (int, int, error) { return records[*release.Release](ctx, st, stdout) })
	add(review.Kind, func() (int, int, error) { return records[*review.Review](ctx, st, stdout) })
	kinds := make([]string, 0, len(known))
	for k := range known {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		o, b, err := known[sms.Kind(k)]()
		if err != nil {
			return 0, 0, err
		}
		ok, bad = ok+o, bad+b
	}
	// A journal whose record is gone: erased from the entity table only.
	orphans := 0
	err = st.ev.Orphans(ctx, func(kind sms.Kind, id string) error {
		orphans++
		fmt.Fprintf(stdout, "  %s %s %q: its journal has no record: the record was erased\n", sms.CodeRecordUnverified, kind, id)
		return nil
	})
	return ok, bad + orphans, err
}

func records[E sms.Entity[E]](ctx context.Context, st *store, stdout io.Writer) (int, int, error) {
	s, err := sqlstore.New[E](ctx, st.sql, st.d, sqlstore.Options{})
	if err != nil {
		return 0, 0, err
	}
	defer s.Close()
	ok, bad := 0, 0
	err = sms.VerifyRecords(ctx, s, sms.Query{Limit: sms.MaxLimit}, func(E, []sms.Entry) bool { ok++; return true },
		func(id string, err error) error {
			bad++
			var zero E
			fmt.Fprintf(stdout, "  %s %s %q: %v\n", sms.CodeRecordUnverified, zero.EntityKind(), id, err)
			return nil
		})
	return ok, bad, err
}
