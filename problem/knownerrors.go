package problem

import (
	"context"
	"sort"

	"github.com/iso20k/sms"
)

// KnownErrors runs the known errors problems record (PRB-10 to PRB-12).
// Get it from [Service.KnownErrors]; its methods return the errors
// [Service] documents. A known error is recorded by declaring its problem
// a known error ([Service.DeclareKnownError]) only, and retired by a fix
// when the problem is resolved; the other triggers are these methods'.
type KnownErrors struct {
	// Records gives Get, Journal, Verify, Permitted, DoSteps, DryRun,
	// Choices and Workflow.
	sms.Records[*KnownError, KETrigger, KECommand]
	m      *sms.Machine[*KnownError]
	policy *Policy
}

// Revise edits a draft or published known error (PRB-12).
func (k *KnownErrors) Revise(ctx context.Context, a sms.Actor, id string, c KERevision) (*KnownError, error) {
	return k.m.Fire(ctx, a, id, string(KETriggerRevise), c)
}

// Publish publishes a draft known error (PRB-12).
func (k *KnownErrors) Publish(ctx context.Context, a sms.Actor, id string, c KEPublication) (*KnownError, error) {
	return k.m.Fire(ctx, a, id, string(KETriggerPublish), c)
}

// Review records the review of a published known error (PRB-12).
func (k *KnownErrors) Review(ctx context.Context, a sms.Actor, id string, c KEReview) (*KnownError, error) {
	return k.m.Fire(ctx, a, id, string(KETriggerReview), c)
}

// Retire retires a known error (PRB-12).
func (k *KnownErrors) Retire(ctx context.Context, a sms.Actor, id string, c KERetirement) (*KnownError, error) {
	return k.m.Fire(ctx, a, id, string(KETriggerRetire), c)
}

// AddNote adds a note to a known error, in any status.
func (k *KnownErrors) AddNote(ctx context.Context, a sms.Actor, id string, c KENote) (*KnownError, error) {
	return k.m.Fire(ctx, a, id, string(KETriggerNote), c)
}

// Do runs any known-error command on the known error id: the trigger is
// the one that takes the command's type (no command of this package
// creates a known error; see [Service.DeclareKnownError]).
func (k *KnownErrors) Do(ctx context.Context, a sms.Actor, id string, c KECommand) (*KnownError, error) {
	return k.m.Do(ctx, a, id, c)
}

// KEQuery selects known errors; every field is optional.
type KEQuery struct {
	Status []KEStatus
	// Link keeps known errors with this link: a service
	// (problem.LinkService), a configuration item, a symptom
	// (problem.LinkSymptom with a [SymptomKey]) or the problem.
	Link  sms.Link
	After string
	Limit int
}

func (q KEQuery) query() (sms.Query, error) {
	st, err := sms.StatusFilter(KnownErrorKind, q.Status, KEStatus.Valid)
	return sms.Query{Status: st, Link: q.Link, After: q.After, Limit: q.Limit}, err
}

// List returns a page of known errors ordered by ID.
func (k *KnownErrors) List(ctx context.Context, q KEQuery) (sms.Page[*KnownError], error) {
	sq, err := q.query()
	if err != nil {
		return sms.Page[*KnownError]{}, err
	}
	return k.m.List(ctx, sq)
}

// Each calls fn for every known error matching q, page by page, until fn
// returns false or an error occurs.
func (k *KnownErrors) Each(ctx context.Context, q KEQuery, fn func(*KnownError) bool) error {
	sq, err := q.query()
	if err != nil {
		return err
	}
	return k.m.Each(ctx, sq, fn)
}

// Symptoms are what an incident shows, to match against published known
// errors (PRB-12).
type Symptoms struct {
	Service     string
	ConfigItems []string
	// Texts are symptom descriptions; they match by [SymptomKey].
	Texts []string
}

// Match returns the published known errors that match any of the
// symptoms: the service, a configuration item or a symptom text (PRB-12),
// in ID order, each once. Drafts and retired known errors are never
// returned.
func (k *KnownErrors) Match(ctx context.Context, m Symptoms) ([]*KnownError, error) {
	var links []sms.Link
	if m.Service != "" {
		links = append(links, sms.Link{Type: LinkService, ID: m.Service})
	}
	for _, ci := range m.ConfigItems {
		links = append(links, sms.Link{Type: LinkConfigItem, ID: ci})
	}
	for _, t := range m.Texts {
		if key := SymptomKey(t); key != "" {
			links = append(links, sms.Link{Type: LinkSymptom, ID: key})
		}
	}
	found := map[string]*KnownError{}
	for _, l := range links {
		if err := sms.ValidateID(l.ID); err != nil {
			return nil, sms.Invalid(KnownErrorKind, "match."+l.Type, "%v", err)
		}
		err := k.Each(ctx, KEQuery{Status: []KEStatus{KEPublished}, Link: l, Limit: sms.MaxLimit}, func(ke *KnownError) bool {
			found[ke.ID] = ke
			return true
		})
		if err != nil {
			return nil, err
		}
	}
	out := make([]*KnownError, 0, len(found))
	for _, ke := range found {
		out = append(out, ke)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}
