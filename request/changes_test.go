package request_test

import (
	"testing"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/request"
	"github.com/iso20k/sms/smstest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStandardChangeRefusals: a request for an item that alters controlled
// configuration items is fulfilled only through a standard change, from a
// template the item accepts, closed successful, as the host's change
// management shows (SR-08). Each refusal names the unmet requirements and
// changes nothing.
func TestStandardChangeRefusals(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		noBook bool // the service has no change lookup
		cmd    request.Fulfilment
		want   []string // SR-08 guards unmet, by the words of their text
	}{
		{name: "no change named", cmd: request.Fulfilment{Notes: "rule applied"}, want: []string{"names the standard change"}},
		{name: "a change that does not exist", cmd: request.Fulfilment{Notes: "rule applied", Change: "CHG-404"},
			want: []string{"exists in change management"}},
		{name: "a normal change", cmd: request.Fulfilment{Notes: "rule applied", Change: "CHG-NORMAL"},
			want: []string{"is a standard change"}},
		{name: "a standard change without a template", cmd: request.Fulfilment{Notes: "rule applied", Change: "CHG-NO-TPL"},
			want: []string{"is a standard change"}},
		{name: "a template the item does not accept", cmd: request.Fulfilment{Notes: "rule applied", Change: "CHG-OTHER-TPL"},
			want: []string{"template the catalogue item accepts"}},
		{name: "a change not closed", cmd: request.Fulfilment{Notes: "rule applied", Change: "CHG-OPEN"},
			want: []string{"closed successful"}},
		{name: "another template and not closed", cmd: request.Fulfilment{Notes: "rule applied", Change: "CHG-OPEN-DB"},
			want: []string{"template the catalogue item accepts", "closed successful"}},
		{name: "no lookup configured", noBook: true, cmd: request.Fulfilment{Notes: "rule applied", Change: "CHG-OK"},
			want: []string{"a change lookup is configured"}},
		{name: "no lookup configured and no change named", noBook: true, cmd: request.Fulfilment{Notes: "rule applied"},
			want: []string{"names the standard change", "a change lookup is configured"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, request.DefaultPolicy())
			if tc.noBook {
				svc, err := request.NewService(request.Stores{Items: f.items, Requests: f.requests}, request.Config{Options: sms.Options{Now: f.clk.Now}})
				require.NoError(t, err)
				f.svc = svc
			}
			r := f.to(t, request.StatusInFulfilment, f.firewall)
			f.settleTasks(t, r.ID)
			before := f.snap(t, r.ID)
			_, err := f.svc.Do(f.ctx, boss, r.ID, tc.cmd)
			ge := smstest.RequireRefused(t, err, "SR-08")
			require.Len(t, ge.Unmet, len(tc.want), "unmet: %v", ge.Unmet)
			for i, w := range tc.want {
				assert.Equal(t, "SR-08", ge.Unmet[i].ID)
				assert.Equal(t, "8.5.1/8.6.2", ge.Unmet[i].Clause)
				assert.Contains(t, ge.Unmet[i].Text, w)
			}
			f.requireUnchanged(t, r.ID, before)
		})
	}
}

// TestStandardChangeWithOtherRefusals: the SR-08 refusal comes with every
// other unmet requirement of fulfil.
func TestStandardChangeWithOtherRefusals(t *testing.T) {
	t.Parallel()
	f := newFixture(t, request.DefaultPolicy())
	r := f.to(t, request.StatusInFulfilment, f.firewall)
	_, err := f.svc.Fulfil(f.ctx, boss, r.ID, request.Fulfilment{Change: "CHG-OPEN"})
	ge := smstest.RequireRefused(t, err, "SR-03", "SR-08")
	assert.Equal(t, []string{"SR-03", "SR-03", "SR-08"}, ge.IDs(), "open task, no notes, change not closed")
}

// TestStandardChangeLookupError: a lookup that fails stops the
// transition with its error, not a refusal, whatever the guards would say
// (the lookup runs before them), and changes nothing.
func TestStandardChangeLookupError(t *testing.T) {
	t.Parallel()
	for name, settled := range map[string]bool{"tasks settled": true, "a task open": false} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, request.DefaultPolicy())
			r := f.to(t, request.StatusInFulfilment, f.firewall)
			if settled {
				f.settleTasks(t, r.ID)
			}
			before := f.snap(t, r.ID)
			_, err := f.svc.Fulfil(f.ctx, boss, r.ID, request.Fulfilment{Notes: "rule applied", Change: "CHG-ERR"})
			require.ErrorIs(t, err, errLookup)
			assert.NotErrorIs(t, err, sms.ErrGuard)
			f.requireUnchanged(t, r.ID, before)
		})
	}
}

// TestFulfilledThroughStandardChange: the request links the change, keeps
// what change management said of it, journals it, and conforms once
// closed; the lookup is asked only for an item that requires it.
func TestFulfilledThroughStandardChange(t *testing.T) {
	t.Parallel()
	f := newFixture(t, request.DefaultPolicy())
	r := f.submit(t, f.firewall)
	assert.True(t, r.Item.RequiresStandardChange, "the edition's flag is kept")
	assert.Equal(t, []string{"TPL-FW"}, r.Item.ChangeTemplates)
	r = f.to(t, request.StatusClosed, f.firewall)
	assert.Equal(t, request.LinkedChange{ID: "CHG-OK", ChangeFacts: request.ChangeFacts{Standard: true, Template: "TPL-FW", ClosedSuccessful: true}}, r.Change)
	assert.True(t, r.HasLink(request.LinkChange, "CHG-OK"))
	j, err := f.svc.Journal(f.ctx, r.ID)
	require.NoError(t, err)
	var fulfil sms.Entry
	for _, e := range j {
		if e.Trigger == string(request.TriggerFulfil) {
			fulfil = e
		}
	}
	got := map[string]string{}
	for _, p := range fulfil.Payload {
		got[p.Key] = p.Value
	}
	assert.Equal(t, map[string]string{"notes": "rule applied", "change": "CHG-OK", "change_standard": "true",
		"change_template": "TPL-FW", "change_closed_successful": "true"}, got)
	fs, err := request.Check(r, f.clk.Now())
	require.NoError(t, err)
	assert.Empty(t, fs)
	assert.Equal(t, 1, f.changes.count())

	// An item that does not require a standard change: the change named is
	// linked, and change management is not asked.
	p := f.to(t, request.StatusInFulfilment, f.password)
	p, err = f.svc.Fulfil(f.ctx, boss, p.ID, request.Fulfilment{Notes: "reset", Change: "CHG-404"})
	require.NoError(t, err)
	assert.Equal(t, request.LinkedChange{ID: "CHG-404"}, p.Change)
	assert.True(t, p.HasLink(request.LinkChange, "CHG-404"))
	assert.Equal(t, 1, f.changes.count())

	page, err := f.svc.List(f.ctx, request.Query{Link: sms.Link{Type: request.LinkChange, ID: "CHG-OK"}})
	require.NoError(t, err)
	require.Len(t, page.Items, 1, "requests are found by their change")
	assert.Equal(t, r.ID, page.Items[0].ID)

	rep, err := f.svc.Conform(f.ctx, f.clk.Now())
	require.NoError(t, err)
	assert.True(t, rep.Passed(), "%v", rep.Findings())
	for _, res := range rep.Results {
		if res.Check == "requests-altering-controlled-items-through-standard-changes" {
			assert.Equal(t, 1, res.Population, "the closed firewall request")
			assert.Equal(t, "8.5.1/8.6.2", res.Clause)
		}
	}
}

// TestStandardChangeFlagIsVersioned: the flag and the templates belong to
// an item edition; a request keeps its edition's; revisions set and clear
// them, journaled; templates are named only with the flag.
func TestStandardChangeFlagIsVersioned(t *testing.T) {
	t.Parallel()
	f := newFixture(t, request.DefaultPolicy())
	first := f.submit(t, f.firewall)
	it, err := f.svc.Items().Revise(f.ctx, catalogue, f.firewall, request.ItemRevision{ClearStandardChange: true})
	require.NoError(t, err)
	assert.False(t, it.RequiresStandardChange)
	assert.Nil(t, it.ChangeTemplates)
	assert.Equal(t, 2, it.Edition)
	second := f.submit(t, f.firewall)
	assert.False(t, second.Item.RequiresStandardChange)
	second = f.step(t, boss, second.ID, request.FulfilmentStart{Group: "network"})
	f.settleTasks(t, second.ID)
	second = f.step(t, boss, second.ID, request.Fulfilment{Notes: "applied without a change"})
	assert.Equal(t, request.StatusFulfilled, second.Status, "edition 2 needs no change")

	first = f.step(t, boss, first.ID, request.FulfilmentStart{Group: "network"})
	f.settleTasks(t, first.ID)
	_, err = f.svc.Fulfil(f.ctx, boss, first.ID, request.Fulfilment{Notes: "applied"})
	smstest.RequireRefused(t, err, "SR-08")

	it, err = f.svc.Items().Revise(f.ctx, catalogue, f.firewall, request.ItemRevision{RequiresStandardChange: true, ChangeTemplates: []string{"TPL-FW", "TPL-FW2"}})
	require.NoError(t, err)
	assert.True(t, it.RequiresStandardChange)
	assert.Equal(t, []string{"TPL-FW", "TPL-FW2"}, it.ChangeTemplates)
	j, err := f.svc.Items().Journal(f.ctx, f.firewall)
	require.NoError(t, err)
	last := j[len(j)-1].Payload
	assert.Contains(t, last, sms.Field{Key: "requires_standard_change", Value: "true"})
	assert.Contains(t, last, sms.Field{Key: "change_templates", Value: "TPL-FW,TPL-FW2"})

	// Templates without the flag: bad input on definition, a refusal on
	// revision of an item that does not require a standard change.
	d := firewallItem()
	d.RequiresStandardChange = false
	_, err = f.svc.Items().Define(f.ctx, catalogue, d)
	assert.ErrorIs(t, err, sms.ErrInvalid)
	_, err = f.svc.Items().Revise(f.ctx, catalogue, f.password, request.ItemRevision{ChangeTemplates: []string{"TPL-FW"}})
	smstest.RequireRefused(t, err, "SR-08")
	for _, bad := range []request.ItemRevision{
		{ClearStandardChange: true, RequiresStandardChange: true},
		{ClearStandardChange: true, ChangeTemplates: []string{}},
		{RequiresStandardChange: true, ChangeTemplates: []string{"TPL-FW", "TPL-FW"}},
		{RequiresStandardChange: true, ChangeTemplates: []string{""}},
		{RequiresStandardChange: true, ChangeTemplates: []string{" TPL"}},
	} {
		_, err = f.svc.Items().Revise(f.ctx, catalogue, f.firewall, bad)
		assert.ErrorIs(t, err, sms.ErrInvalid, "%+v", bad)
	}
}

// TestStandardChangeConformance: the check re-examines what the request
// recorded, whatever its status says (SR-08).
func TestStandardChangeConformance(t *testing.T) {
	t.Parallel()
	closed := func() *request.Request {
		r := conformingClosed()
		r.Item.RequiresStandardChange, r.Item.ChangeTemplates = true, []string{"TPL-FW"}
		r.Change = request.LinkedChange{ID: "CHG-OK", ChangeFacts: request.ChangeFacts{Standard: true, Template: "TPL-FW", ClosedSuccessful: true}}
		return r
	}
	cases := []struct {
		name   string
		mutate func(*request.Request)
		fails  bool
	}{
		{"conforming", func(*request.Request) {}, false},
		{"any template when the item names none", func(r *request.Request) { r.Item.ChangeTemplates = nil; r.Change.Template = "TPL-X" }, false},
		{"no linked change", func(r *request.Request) { r.Change = request.LinkedChange{} }, true},
		{"a change linked without what change management said", func(r *request.Request) { r.Change.ChangeFacts = request.ChangeFacts{} }, true},
		{"not a standard change", func(r *request.Request) { r.Change.Standard = false }, true},
		{"no template", func(r *request.Request) { r.Change.Template = "" }, true},
		{"a template the item does not accept", func(r *request.Request) { r.Change.Template = "TPL-DB" }, true},
		{"not closed successful", func(r *request.Request) { r.Change.ClosedSuccessful = false }, true},
		{"fulfilled, not yet closed", func(r *request.Request) { r.Status = request.StatusFulfilled; r.Change = request.LinkedChange{} }, true},
		{"still in fulfilment", func(r *request.Request) { r.Status = request.StatusInFulfilment; r.Change = request.LinkedChange{} }, false},
		{"an item that requires none", func(r *request.Request) { r.Item.RequiresStandardChange = false; r.Change = request.LinkedChange{} }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := closed()
			tc.mutate(r)
			fs, err := request.Check(r, t0)
			require.NoError(t, err)
			var sr08 []sms.Finding
			for _, f := range fs {
				if f.Requirement.ID == "SR-08" {
					sr08 = append(sr08, f)
				}
			}
			if !tc.fails {
				assert.Empty(t, sr08)
				return
			}
			require.Len(t, sr08, 1, "%v", fs)
			assert.Equal(t, request.CodeStandardChangeMissing, sr08[0].Code)
			assert.Equal(t, r.ID, sr08[0].EntityID)
		})
	}
}

// TestItemCloneKeepsTemplates: a clone shares no list with the original.
func TestItemCloneKeepsTemplates(t *testing.T) {
	t.Parallel()
	it := &request.Item{RequiresStandardChange: true, ChangeTemplates: []string{"TPL-FW"}}
	c := it.Clone()
	c.ChangeTemplates[0] = "TPL-X"
	assert.Equal(t, "TPL-FW", it.ChangeTemplates[0])
	r := &request.Request{Item: request.Snapshot{ChangeTemplates: []string{"TPL-FW"}}}
	rc := r.Clone()
	rc.Item.ChangeTemplates[0] = "TPL-X"
	assert.Equal(t, "TPL-FW", r.Item.ChangeTemplates[0])
}
