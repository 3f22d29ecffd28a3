// Command smsevidence writes the evidence pack of a period from an sms
// database: every process's conformance checks and sweeps as of the
// period's end, the verification of every record against its journal, and
// the failing records with their journals.
//
//	smsevidence -db sms.db -from 2026-01-01 -to 2026-04-01 -out evidence-q1
//	smsevidence -store postgres -dsn "$DATABASE_URL" -from 2026-01-01T00:00:00+01:00 -to 2026-04-01T00:00:00+02:00 -out q1
//
// It writes OUT/evidence.json (the pack's JSON form, evidence.Version) and
// OUT/evidence.html (the same pack for people, one self-contained page);
// each file is written whole or not at all. The period is [from, to): a date
// (YYYY-MM-DD) is midnight UTC at its start, so -from 2026-01-01 -to
// 2026-04-01 is the first quarter; a time is RFC 3339.
//
// The database is opened read-only (SQLite) and every kind of record the
// library keeps is examined under the packages' default policies; the
// review register serves two default schedules from the period's start:
// change-trend reviews each calendar month and problem-effectiveness
// reviews each calendar quarter (UTC), each with a week's grace. No live
// service, referenced supplier or continuity service is declared, so the
// checks that need those from the host (SLA coverage, supplier
// references) examine none.
//
// With -checkpoint FILE -pub FILE (a signed checkpoint the auditor kept,
// as smsverify checkpoint writes it, and the host's public key) the
// journals are verified against the checkpoint too: a checkpoint not
// signed by that key, leaves erased or altered, or a journal that no
// longer holds what the checkpoint covered are CHECKPOINT_PROBLEM findings
// among the records that do not verify.
//
//	smsevidence -db sms.db -from 2026-01-01 -to 2026-04-01 -checkpoint cp-q1.json -pub host.pub -out evidence-q1
//
// It exits 0 when the pack was written (whatever it found), 2 for bad
// flags, 1 when it could not read the database or write the files.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/audit"
	"github.com/iso20k/sms/change"
	"github.com/iso20k/sms/cmd/internal/keys"
	"github.com/iso20k/sms/continuity"
	"github.com/iso20k/sms/evidence"
	"github.com/iso20k/sms/incident"
	"github.com/iso20k/sms/problem"
	"github.com/iso20k/sms/release"
	"github.com/iso20k/sms/report"
	"github.com/iso20k/sms/request"
	"github.com/iso20k/sms/review"
	"github.com/iso20k/sms/servicelevel"
	"github.com/iso20k/sms/sqlstore"
	"github.com/iso20k/sms/sqlstore/postgres"
	"github.com/iso20k/sms/sqlstore/sqlite"
	"github.com/iso20k/sms/supplier"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// gcPercent is the garbage collector's target the command runs with,
// unless GOGC says otherwise: reading a whole database a page at a time,
// its live heap stays a few tens of MiB, so the default target (100)
// collects every few MiB allocated; four times the live heap costs little
// memory and a tenth of the CPU of a large pack (BENCHMARKS.md).
const gcPercent = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// evConfig is the command's flags, parsed.
type evConfig struct {
	store, db, dsn, out string
	checkpoint, pub     string
	period              evidence.Period
}

// evParseTime reads an RFC 3339 time or a YYYY-MM-DD date (midnight UTC).
func evParseTime(flagName, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, fmt.Errorf("-%s is required", flagName)
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("-%s %q: want RFC 3339 (2026-04-01T00:00:00Z) or a date (2026-04-01)", flagName, s)
}

func evParse(args []string, stderr io.Writer) (evConfig, error) {
	fs := flag.NewFlagSet("smsevidence", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c evConfig
	var from, to string
	fs.StringVar(&c.store, "store", "sqlite", "the database: sqlite or postgres")
	fs.StringVar(&c.db, "db", "", "SQLite database file (-store sqlite)")
	fs.StringVar(&c.dsn, "dsn", "", "PostgreSQL DSN, as pgx reads it (-store postgres)")
	fs.StringVar(&from, "from", "", "start of the period, included: RFC 3339 or YYYY-MM-DD")
	fs.StringVar(&to, "to", "", "end of the period, excluded, and the instant checks run as of: RFC 3339 or YYYY-MM-DD")
	fs.StringVar(&c.out, "out", "", "directory for evidence.json and evidence.html")
	fs.StringVar(&c.checkpoint, "checkpoint", "", "a signed checkpoint to verify the journals against (with -pub)")
	fs.StringVar(&c.pub, "pub", "", "the public key the checkpoint is signed with, PEM (with -checkpoint)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	switch {
	case c.store == "sqlite" && (c.db == "" || c.dsn != ""):
		return c, errors.New("-store sqlite needs -db FILE (and no -dsn)")
	case c.store == "postgres" && (c.dsn == "" || c.db != ""):
		return c, errors.New("-store postgres needs -dsn DSN (and no -db)")
	case c.store != "sqlite" && c.store != "postgres":
		return c, fmt.Errorf("-store %q: want sqlite or postgres", c.store)
	case c.out == "":
		return c, errors.New("-out DIR is required")
	case (c.checkpoint == "") != (c.pub == ""):
		return c, errors.New("-checkpoint FILE and -pub FILE come together")
	}
	var err error
	if c.period.From, err = evParseTime("from", from); err != nil {
		return c, err
	}
	if c.period.To, err = evParseTime("to", to); err != nil {
		return c, err
	}
	if !c.period.To.After(c.period.From) {
		return c, fmt.Errorf("the period ends (%s) before it starts (%s)", c.period.To.Format(time.RFC3339), c.period.From.Format(time.RFC3339))
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := evParse(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "smsevidence:", err)
		}
		return exitUsage
	}
	if err := evRun(ctx, c, stdout); err != nil {
		fmt.Fprintln(stderr, "smsevidence:", err)
		return exitFailure
	}
	return exitOK
}

func evRun(ctx context.Context, c evConfig, stdout io.Writer) error {
	db, d, err := evOpenDB(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	st := &evStores{ctx: ctx, db: db, d: d}
	defer st.close()
	src, err := evSources(st, c.period)
	if err != nil {
		return err
	}
	var opts evidence.Options
	if c.checkpoint != "" {
		if opts.Checkpoint, err = evCheckpointInput(ctx, c, db, d); err != nil {
			return err
		}
	}
	pack, err := evidence.Build(ctx, src, c.period, opts)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(c.out, 0o755); err != nil {
		return err
	}
	jsonPath := filepath.Join(c.out, "evidence.json")
	if err := evidence.WriteFile(jsonPath, pack.WriteJSON); err != nil {
		return err
	}
	htmlPath := filepath.Join(c.out, "evidence.html")
	if err := evidence.WriteFile(htmlPath, func(w io.Writer) error { return evidence.WriteHTML(w, pack) }); err != nil {
		return err
	}
	written := []string{jsonPath, htmlPath}
	failing, findings := 0, 0
	for _, ch := range pack.Checks {
		if !ch.Result.Passed() {
			failing++
		}
	}
	for _, s := range pack.Sweeps {
		findings += len(s.Findings)
	}
	fmt.Fprintf(stdout, "period %s to %s: %d checks, %d failing; %d sweep findings; %d records verified, %d do not verify; %d records drilled into\n",
		c.period.From.Format(time.RFC3339), c.period.To.Format(time.RFC3339), len(pack.Checks), failing, findings,
		pack.Verification.Records, len(pack.Verification.Unverified), len(pack.Records))
	fmt.Fprintf(stdout, "wrote %s\n", strings.Join(written, ", "))
	return nil
}

// evCheckpointInput reads the checkpoint and the key, and the
// checkpoint's leaves from the database: none stored is for the pack to
// report, not a failure.
func evCheckpointInput(ctx context.Context, c evConfig, db *sql.DB, d sqlstore.Dialect) (*evidence.CheckpointInput, error) {
	cp, err := keys.ReadCheckpoint(c.checkpoint)
	if err != nil {
		return nil, err
	}
	pub, err := keys.ReadPublic(c.pub)
	if err != nil {
		return nil, err
	}
	ev, err := sqlstore.NewEvidence(ctx, db, d)
	if err != nil {
		return nil, err
	}
	leaves, err := ev.Leaves(ctx, cp.Seq)
	switch {
	case errors.Is(err, sms.ErrNotFound), errors.Is(err, sms.ErrCorrupt):
		leaves = nil // erased, or not what was stored: the pack says so
	case err != nil:
		return nil, err
	}
	return &evidence.CheckpointInput{Checkpoint: cp, Public: pub, Leaves: leaves, Journals: ev}, nil
}

func evOpenDB(ctx context.Context, c evConfig) (*sql.DB, sqlstore.Dialect, error) {
	if c.store == "postgres" {
		db, err := postgres.Open(ctx, c.dsn)
		return db, postgres.Dialect{}, err
	}
	if _, err := os.Stat(c.db); err != nil {
		return nil, nil, err
	}
	db, err := sqlite.Open(ctx, c.db, sqlite.WithReadOnly())
	return db, sqlite.Dialect{}, err
}

// evStores opens one sqlstore per kind on the database and closes them.
type evStores struct {
	ctx    context.Context
	db     *sql.DB
	d      sqlstore.Dialect
	closes []func() error
	err    error
}

func (s *evStores) close() {
	for _, c := range s.closes {
		_ = c()
	}
}

// evStore opens the store of E's kind on the database; the first failure
// sticks in s.err, and later calls return nil.
func evStore[E sms.Entity[E]](s *evStores) sms.Store[E] {
	if s.err != nil {
		return nil
	}
	st, err := sqlstore.New[E](s.ctx, s.db, s.d, sqlstore.Options{})
	if err != nil {
		s.err = err
		return nil
	}
	s.closes = append(s.closes, st.Close)
	return st
}

// evSources binds every process's service, under its default policy, to
// its stores.
func evSources(st *evStores, p evidence.Period) (evidence.Sources, error) {
	var src evidence.Sources
	opts := sms.Options{}
	inc, prb, ke := evStore[*incident.Incident](st), evStore[*problem.Problem](st), evStore[*problem.KnownError](st)
	reqs, items := evStore[*request.Request](st), evStore[*request.Item](st)
	chg, tp, tpl := evStore[*change.Change](st), evStore[*change.TransitionPlan](st), evStore[*change.Template](st)
	rel, rev := evStore[*release.Release](st), evStore[*review.Review](st)
	agr, apl, out := evStore[*servicelevel.Agreement](st), evStore[*servicelevel.AvailabilityPlan](st), evStore[*servicelevel.OutageRecord](st)
	sup, con, dis := evStore[*supplier.Supplier](st), evStore[*supplier.Contract](st), evStore[*supplier.Dispute](st)
	creq, cpl, cte, cinv, crisk := evStore[*continuity.Requirement](st), evStore[*continuity.Plan](st), evStore[*continuity.Test](st),
		evStore[*continuity.Invocation](st), evStore[*continuity.RiskAssessment](st)
	apr, aud, anc, aop := evStore[*audit.Programme](st), evStore[*audit.Audit](st), evStore[*audit.Nonconformity](st), evStore[*audit.Opportunity](st)
	rdef, rins := evStore[*report.Definition](st), evStore[*report.Instance](st)
	if st.err != nil {
		return src, st.err
	}
	var errs []error
	keep := func(err error) { errs = append(errs, err) }
	var err error
	src.Incidents, err = incident.NewService(inc, incident.Config{Policy: incident.DefaultPolicy(), Options: opts})
	keep(err)
	src.Requests, err = request.NewService(request.Stores{Items: items, Requests: reqs}, request.Config{Policy: request.DefaultPolicy(), Options: opts})
	keep(err)
	src.Problems, err = problem.NewService(problem.Stores{Problems: prb, KnownErrors: ke}, problem.Config{Policy: problem.DefaultPolicy(), Options: opts})
	keep(err)
	src.Changes, err = change.NewService(change.Stores{Changes: chg, Plans: tp, Templates: tpl}, change.Config{Policy: change.DefaultPolicy(), Options: opts})
	keep(err)
	src.Releases, err = release.NewService(rel, release.Config{Policy: release.DefaultPolicy(), Options: opts})
	keep(err)
	const week = 7 * 24 * time.Hour
	src.Reviews, err = review.NewService(rev, review.Config{Options: opts, Schedules: []review.Schedule{
		{Subject: change.TrendReviewSubject, Start: p.From, Cadence: sms.Monthly("UTC"), Grace: week,
			Requirement: change.TrendRequirement(), Code: change.CodeTrendReviewOverdue},
		{Subject: problem.ReviewSubject, Start: p.From, Cadence: sms.Quarterly("UTC"), Grace: week,
			Requirement: problem.EffectivenessRequirement(), Code: problem.CodeEffectivenessReviewOverdue},
	}})
	keep(err)
	src.Agreements, err = servicelevel.NewAgreements(agr, opts)
	keep(err)
	src.AvailabilityPlans, err = servicelevel.NewPlans(apl, opts)
	keep(err)
	src.Outages, err = servicelevel.NewOutages(out, nil, opts)
	keep(err)
	src.Contracts, err = supplier.NewContracts(con, nil, opts)
	keep(err)
	if src.Contracts != nil {
		src.Suppliers, err = supplier.NewSuppliers(sup, src.Contracts.InForce, opts)
		keep(err)
		src.Disputes, err = supplier.NewDisputes(dis, src.Contracts, opts)
		keep(err)
	}
	src.ContinuityRequirements, err = continuity.NewRequirements(creq, nil, opts)
	keep(err)
	if src.ContinuityRequirements != nil {
		src.ContinuityPlans, err = continuity.NewPlans(cpl, src.ContinuityRequirements, opts)
		keep(err)
	}
	if src.ContinuityPlans != nil {
		src.ContinuityTests, err = continuity.NewTests(cte, src.ContinuityPlans, src.ContinuityRequirements, opts)
		keep(err)
		src.Invocations, err = continuity.NewInvocations(cinv, src.ContinuityPlans, opts, src.ContinuityRequirements)
		keep(err)
	}
	src.ContinuityRisks, err = continuity.NewRiskAssessments(crisk, opts)
	keep(err)
	src.AuditProgrammes, err = audit.NewProgrammes(apr, opts)
	keep(err)
	src.Nonconformities, err = audit.NewNonconformities(anc, nil, audit.DefaultNonconformityPolicy(), opts)
	keep(err)
	src.Opportunities, err = audit.NewOpportunities(aop, nil, nil, audit.OpportunityPolicy{}, opts)
	keep(err)
	if src.AuditProgrammes != nil && src.Nonconformities != nil && src.Opportunities != nil {
		src.Audits, err = audit.NewAudits(aud, src.AuditProgrammes, src.Nonconformities, src.Opportunities, opts)
		keep(err)
	}
	// The reports are read, not generated: no generator is needed.
	src.ReportDefinitions, err = report.NewDefinitions(rdef, opts)
	keep(err)
	if src.ReportDefinitions != nil {
		src.ReportInstances, err = report.NewInstances(rins, src.ReportDefinitions, nil, opts)
		keep(err)
	}
	return src, errors.Join(errs...)
}
