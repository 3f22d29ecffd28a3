package replay

import (
	"testing"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/smstest"
)

// TestScratchStoreContract: the per-case scratch store keeps the storage
// contract like any other store.
func TestScratchStoreContract(t *testing.T) {
	t.Parallel()
	smstest.RunStore(t, func(t *testing.T) sms.Store[*smstest.Thing] { return newScratch[*smstest.Thing]() })
}
