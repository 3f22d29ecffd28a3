// Package replay replays an exported ticket event log through the
// library's incident workflow and says, case by case, where the history
// would have been refused and which requirement of ISO/IEC 20000-1:2018
// the refusal cites. A vendor migrating a ticket history, or an auditor
// sampling one, reads a CSV or XES (IEEE 1849) export as it is, with a
// [Mapping] written in JSON; the command smsreplay wraps it.
//
// # The pieces
//
//   - [ParseMapping] reads and checks a mapping: the columns of the case,
//     the source state, the time and the actor; what each source state
//     means ([State]); which triggers take an incident from one status to
//     another ([Route], first match wins, numbered from 1 in errors); and
//     how each trigger's command is filled from a row (templates, below).
//     A mistake is a [*MappingError] saying where: the JSON's line and
//     column, the route's number, the triggers or statuses allowed.
//   - [NewReader] streams the log case by case, one case in memory at a
//     time: rows of a case must be contiguous and in time order. A log
//     whose first character is '<' is read as XES: each event a row, its
//     attributes cells under their keys and its trace's under case:key.
//   - [Run] replays every case in parallel, each in a scratch store with
//     the log's times as the clock, and returns a [Summary]; each case's
//     [CaseResult] goes to a callback, and with [Options.Target] each
//     replayed incident is stored with its journal.
//
// # Three kinds of outcome
//
// A deviation is the process breaking a requirement: the workflow refused
// what the log did, and the case's result says which requirement. A
// [DataError] is a command the row's data made that the service refused as
// invalid input (an ID with a trailing space, a value out of range): it
// cites no requirement and is counted apart, and the case is not
// conformant. A bad
// row is the data failing the mapping (malformed CSV, no case ID, a state
// the mapping does not list, a time that does not parse or runs backwards,
// text that is not UTF-8): a [*RowError] naming the row and the column,
// which stops the run unless [Options.SkipBadRows] skips and counts it.
// Skipping more than [Options.MaxSkipped] of the rows (1% by default)
// makes the run a [*SkippedError], returned with the summary: a mapping
// that does not fit the log is no verdict on the process. A mapping that
// cannot be used at all is a [*MappingError] before any row is read.
// Every error of the three matches [sms.ErrInvalid].
//
// A log in latin1 or windows-1252 is read with [Options.Encoding].
//
// # Process-mining views
//
// Beside the verdict, a [Summary] has what a user of process-mining tools
// reads first: the log's fitness (the share of the events replayed that
// the workflow accepted; each [CaseResult] has its own), its variants (the
// distinct paths through the source states, the most frequent first, with
// how many of their cases conform; [MaxVariants] listed), and on every
// [Edge] the median and 90th percentile time cases spent in the state
// they leave, read from a bounded histogram within half a percent; the
// actors and, when the mapping names a group column, the support groups
// with their events, fitness and deviations, and the hand-offs of records
// between groups (the question of the BPI Challenge 2013: which cases go
// back to a group they had left).
// [Summary.Mermaid] draws the edges with their counts and median times.
// A mapping's [Filter] selects the cases judged, by the period they start
// in and by the values their rows hold.
//
// # Templates
//
// A payload field's value is a template. Text outside braces is literal
// ("{{" and "}}" are literal braces); inside braces, a list of sources
// separated by commas, the first non-empty of which is used, then
// filters after a bar:
//
//	{assigned_to,sys_updated_by}   the first non-empty of two columns
//	{cmdb_ci,'unrecorded'}         a column, else a literal
//	{impact|int}                   the leading integer: "2 - Medium" -> "2"
//	{opened_at|time}               parsed with the mapping's time layout,
//	                               written as RFC 3339
//	{$time} {$actor} {$state} {$case} {$row}
//	                               the event's time, actor, source state,
//	                               case ID and line number
//
//	{impact|map:Low=3,Medium=2,High=1}
//	                               a word turned into a value; a word
//	                               the map lacks makes the row bad
//
// Filters: int (a value that does not start with a number makes the row
// bad), time, lower, upper, trim, map. [ParseMapping] checks what a
// template can give against what its command takes: a literal or a map's
// value outside a field's list (a source, a hold reason, a confirmation)
// or not a number, a time read from a column without |time, a number read
// from a column without |int or a map. The mapping's time layout is Go's
// reference time ("2/1/2006 15:04") or the name of one of the time
// package's layouts ("RFC3339", "DateTime", "DateOnly", ...). The mapping
// for ServiceNow's incident event log is in the folder mappings.
package replay
