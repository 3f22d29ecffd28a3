// Package sms is the kernel of an embeddable implementation of
// ISO/IEC 20000-1:2018, the international standard for IT service
// management systems (SMS). It holds the vocabulary every process shares;
// each process is a package of its own.
//
// # What the library does
//
// A host application (a ticketing tool, an ITSM product, a test suite)
// calls a process package to open, move and close its records. The library
// refuses every transition the standard does not allow, demands the fields
// and approvals it requires, and writes the journal an auditor asks for.
// The host authenticates users and owns persistence; the library checks the
// roles it is given and stores through a small interface.
//
// # Packages
//
//	incident      8.6.1          incident management, with the major-incident track
//	request       8.6.2          service request management, catalogue items
//	problem       8.6.3          problem management, known errors, trend analysis
//	change        8.5.1, 8.5.2   change management, transition plans, standard-change templates
//	release       8.5.3          release and deployment management
//	review        8.5.1.3, 8.6.3 ... the register of periodic reviews every process schedules
//	                             (problem effectiveness, change trends) and its overdue sweep
//	replay                       event-log replay through the incident workflow (cmd/smsreplay)
//	memstore                     the reference in-memory store, for every process
//	sqlstore                     the database/sql store: SQLite (embedded) and PostgreSQL
//	smstest                      the storage contract as a test, and assertion helpers
//
// Process packages never import each other: an incident links a problem
// by ID. The examples show how a host wires processes together.
//
// # The kernel
//
// A process declares its workflow once, as a table of [Rule] values:
// trigger, source states, target state, the roles allowed, the command type
// it takes, the reads and look-ups it prepares, its approval gate and
// segregation rules, the guards and the fields required on entry, each
// citing a requirement of the process's catalogue by ID. [NewWorkflow]
// compiles the table onto looplab/fsm events, fills each citation's clause
// from the catalogue, and proves, for every state and trigger, that the
// compiled table allows exactly what looplab/fsm allows; the pipeline then
// runs on the compiled table, and [Workflow.Mermaid] draws the lifecycle
// from the same events.
//
// Every transition of every process runs through one pipeline, [Machine]:
// validate the actor and the command, load the entity, authorize the
// actor, find the rule, prepare its look-ups, check its approval gate and
// segregation rules, evaluate every guard (a refusal lists all unmet
// requirements), apply the effects to a private copy, check the fields
// required on entry, build the journal entry (with the digest of the state
// it leaves), commit entity and entry atomically with an optimistic version
// check, notify the observer, then run the rule's [FollowUp] (the write to
// another record it implies). A failure at any step leaves the
// store, and every copy a caller holds, unchanged. Transitions on several
// entities commit together with [Atomically] where the stores offer
// [Atomic] on one backend ([CommitTogether]): a follow-up is committed with
// its transition there, and after it elsewhere. [Machine.Do] finds the
// trigger by the command's type, so that a process's Do is one line.
//
// Conformance checks are data too ([Check]); an [Audit] runs them over the
// records that verify and produces the [Report] an auditor receives. The
// package smstest runs a process's contracts from one call
// (smstest.RunProcess), and CONTRIBUTING.md says how to add a process.
//
// The journal is append-only, one [Entry] per transition, hash-chained per
// entity with SHA-256 over a canonical encoding; [VerifyJournal] names the
// first entry altered, removed or reordered.
//
// # Errors
//
// Every error matches one category with errors.Is: [ErrNotFound],
// [ErrExists], [ErrConflict], [ErrTransition], [ErrGuard], [ErrForbidden],
// [ErrInvalid], [ErrCorrupt]. The typed errors ([*GuardError],
// [*TransitionError], [*ConflictError], [*ForbiddenError],
// [*ValidationError]) carry the details: the unmet requirements, the
// permitted triggers, the versions.
//
// # Storage
//
// [Store] is the whole contract a backend implements: Create, Get, Commit,
// List and Journal, generic over the entity type, so one implementation
// serves every process. Optional capabilities, such as [Loader], are
// separate interfaces found by type assertion. smstest.RunStore checks a
// store against the contract.
//
// # Wiring a host
//
// A host opens its database, makes a store per kind, binds each process to
// its stores with its own observer (an outbox), authorizer and logger, and
// passes the authenticated user as the actor of every transition:
//
//	db, err := sqlite.Open(ctx, path) // or postgres.Open(ctx, dsn); memstore.New needs none
//	store, err := sqlstore.New[*incident.Incident](ctx, db, sqlite.Dialect{}, sqlstore.Options{})
//	svc, err := incident.NewService(store, incident.Config{
//		Policy:  incident.DefaultPolicy(),
//		Options: sms.Options{Observer: outbox, Authorizer: rbac, Logger: logger},
//	})
//	inc, err := svc.Log(ctx, sms.Actor{ID: user.ID, Roles: rolesOf(user)}, incident.Report{
//		Summary: "Payroll portal times out", Service: "payroll", Source: incident.SourceUser,
//		Reporter: user.ID, ReportedAt: time.Now(),
//	})
//
// A request the host may retry carries an idempotency key, the host's own
// ID of the request ([WithIdempotencyKey]): a retry after a timeout or an
// [ErrUnknownOutcome] returns the committed result instead of applying the
// transition twice.
//
// # Evidence you can trust
//
// Every journal entry is hash-chained to the one before and binds the
// state it produced ([Entry.State], [StateDigest]); [Machine.Verify] and
// [VerifyHead] find a record whose fields or status were changed outside
// the library, a journal altered or cut, a record rolled back behind its
// journal. A commit refuses to extend a journal whose last entry is not the
// one the record names. Segregation-of-duties rules compare the actors who
// acted, as the journal records them ([Participants]), never only names
// typed into commands. Conformance checks draw only on records that verify
// ([Machine.EachVerified]) and report the others as [CodeRecordUnverified]
// findings. Against someone who can rewrite the whole database, the
// package checkpoint signs, with the host's key, the heads of every journal
// into a small file the auditor keeps; the command smsverify proves later
// that nothing it covered was truncated, rewritten or erased. The README's
// section of the same name says what is detected and what is not.
//
// Nothing in the library is global: no init functions, no registries, no
// mutable package variables. Options have zero values that work.
package sms
