// Package report is service reporting (ISO/IEC 20000-1 9.4, RPT-01 to
// RPT-07): report definitions agreed with the parties they serve, report
// instances computed from the library's own records as their journals
// stood at a data cut-off, reproducible byte for byte, with trends over
// the prior periods that exist, reviewed with decisions and actions,
// issued to their recipients and closed; missing reports are swept.
//
// # Definitions
//
// [Definitions] keeps report definitions (RPT-01): purpose, audience,
// metrics, the reporting period as a calendar cadence with a grace, the
// generator that computes it, how many prior periods its trends show, and
// the parties it was agreed with; the person who agrees an edition owns
// it, as the journal records it:
//
//	stateDiagram-v2
//	    [*] --> draft: draft
//	    draft --> agreed: agree
//	    draft --> retired: retire
//	    agreed --> draft: revise
//	    agreed --> retired: retire
//	    retired --> [*]
//	    %% draft, in place: note, revise
//	    %% agreed, in place: note
//	    %% retired, in place: note
//
// # Instances
//
// [Instances] runs report instances (RPT-02 to RPT-05): scheduled for
// exactly one period of the definition's cadence; generated after the
// period ended, with a cut-off, by the definition's [Generator], storing
// the parameters, the figures, the number of records read and the digest
// of their journals as of the cut-off ([Digest]); the trend over up to the
// definition's number of prior issued periods, saying how many exist when
// fewer do; reviewed, by someone other than who generated it, with
// decisions and actions; issued to named recipients, each notified and
// each action communicated in the journal; closed.
// [Instances.Regenerate] recomputes an instance and tells whether the
// result is byte for byte the stored one; [Instances.Restate] recomputes
// it with what is known now, so data recorded after the cut-off but dated
// before it shows as a restatement, never as a silent change. [Sweep] and
// [MissingReports] find REPORT_MISSING (RPT-07):
//
//	stateDiagram-v2
//	    [*] --> scheduled: schedule
//	    scheduled --> generated: generate
//	    scheduled --> withdrawn: withdraw
//	    generated --> reviewed: review
//	    generated --> withdrawn: withdraw
//	    reviewed --> issued: issue
//	    issued --> closed: close
//	    closed --> [*]
//	    withdrawn --> [*]
package report
