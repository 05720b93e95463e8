package tree_test

import (
	"errors"
	"fmt"

	"github.com/phdkit/phdkit/omadm"
	"github.com/phdkit/phdkit/omadm/tree"
)

func Example() {
	t := tree.New(tree.Config{})
	// The device builds its tree; missing interior nodes are created.
	_ = t.Add(omadm.Local, "./PHD/Measurement/Interval", omadm.Value{Format: omadm.FormatInt, Data: []byte("900")})
	_ = t.Replace(omadm.Local, "./PHD?prop=ACL", omadm.Value{Data: []byte("Get=*&Replace=srv.example")})

	// A server with Replace rights changes a value; another is refused.
	err := t.Replace("srv.example", "./PHD/Measurement/Interval", omadm.Value{Format: omadm.FormatInt, Data: []byte("300")})
	fmt.Println(err)
	err = t.Replace("other.example", "./PHD/Measurement/Interval", omadm.Value{Data: []byte("1")})
	fmt.Println(errors.Is(err, omadm.ErrPermission), omadm.TreeStatus(err).Code())

	res, _ := t.Get("other.example", "./PHD?list=StructData", nil)
	for _, r := range res {
		fmt.Printf("%s %s %q\n", r.URI, r.Format, r.Data)
	}
	// Output:
	// <nil>
	// true 425
	// ./PHD node ""
	// ./PHD/Measurement node ""
	// ./PHD/Measurement/Interval int "300"
}
