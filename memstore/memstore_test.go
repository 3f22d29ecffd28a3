package memstore_test

import (
	"testing"

	"github.com/iso20k/sms"
	"github.com/iso20k/sms/memstore"
	"github.com/iso20k/sms/smstest"
)

var (
	_ sms.Store[*smstest.Thing]  = (*memstore.Store[*smstest.Thing])(nil)
	_ sms.Loader[*smstest.Thing] = (*memstore.Store[*smstest.Thing])(nil)
)

func TestStoreContract(t *testing.T) {
	t.Parallel()
	smstest.RunStore(t, func(t *testing.T) sms.Store[*smstest.Thing] {
		return memstore.New[*smstest.Thing]()
	})
}
