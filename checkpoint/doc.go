// Package checkpoint anchors a store's journals outside the database, so
// that an auditor can prove later that no history was truncated, rewritten
// or erased, even by someone who controlled the database.
//
// Every entity's journal is hash-chained and every entry binds the state it
// produced (see sms.VerifyJournal and sms.VerifyHead): a record edited
// outside the library does not verify. But whoever can write the database
// can also rewrite a journal and recompute its chain, delete its last
// entries and roll the record back, or delete an entity altogether, and
// the store is then consistent again. A checkpoint closes that gap.
//
// # What a checkpoint is
//
// A [Checkpoint] is a small signed statement: at a time, the store held so
// many entity journals, whose heads (the last entry's sequence and hash of
// each, as [Leaf] values in (kind, ID) order) have this Merkle root, the
// tree of RFC 6962 (Certificate Transparency). It is signed with the
// host's Ed25519 key (crypto/ed25519; the library holds no key) and names
// the root of the checkpoint before it. The auditor keeps the few hundred
// bytes of its JSON, outside the database. Its [Leaves] are stored with
// it (sqlstore keeps them in the database), and need no trust: the root
// authenticates them.
//
// # What an auditor runs
//
//	smsverify keygen -out host                         # host: host.key (keep it secret), host.pub
//	smsverify checkpoint -db sms.db -key host.key -out cp-0001.json
//	smsverify verify -db sms.db -pub host.pub -checkpoint cp-0001.json [-checkpoint cp-0002.json ...]
//	smsverify prove -db sms.db -checkpoint cp-0001.json -entity incident/INC-1 -out inc-1.proof.json
//
// [Verify] proves, against the store as it is now, that every journal a
// kept checkpoint covered still exists, still reaches the sequence it had,
// still has the same entry there and still verifies; [Extends] that a
// later checkpoint covers everything an earlier one did; a [Proof] shows
// one entity's inclusion without the rest of the store ([VerifyRecord]).
//
// # What is detected, and what is not
//
// Detected, against a checkpoint the auditor kept: an entity erased, a
// journal truncated (with the record rolled back to match), an entry
// rewritten or inserted with the chain and the record's head recomputed,
// the checkpoint's leaves altered, a checkpoint forged without the key.
// Detected without a checkpoint, by sms.Machine.Verify: a record whose
// fields or status were changed, an entry altered without recomputing the
// chain, a record rolled back behind its journal.
//
// Not detected: changes made after the latest checkpoint by someone who
// recomputes every hash (a forged transition appended after it, or a
// record erased before any checkpoint covered it). Take checkpoints often,
// and give each to the auditor as it is taken: what they have not received
// cannot anchor anything. A checkpoint is only as trustworthy as the
// signing key: keep it away from the database's administrators.
package checkpoint
