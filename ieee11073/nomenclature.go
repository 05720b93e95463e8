package ieee11073

import (
	"sort"
	"strconv"
)

//go:generate go run gen_nomenclature.go

// Partition is a nomenclature partition (NomPartition, INT-U16) of 11073-10101: the code
// space an OID belongs to.
type Partition uint16

func (p Partition) String() string {
	return enumString(partitionNames[:], int(p), "Partition")
}

// Type is a nomenclature code qualified by its partition (TYPE, 20601 Annex A): the
// value of MDCAttrIDType.
//
//	+-------------------+-------------+
//	| partition (u16)   | code (OID)  |
//	+-------------------+-------------+
type Type struct {
	Partition Partition
	Code      OID
}

func (t Type) String() string {
	if n := Name(t.Partition, t.Code); n != "" {
		return n
	}
	return t.Partition.String() + ":" + strconv.Itoa(int(t.Code))
}

type nomEntry struct {
	partition Partition
	code      OID
	name      string
}

// Name returns the reference identifier of code c in partition p, such as
// "MDC_PRESS_BLD_NONINV_SYS", or "" when the table does not hold it.
func Name(p Partition, c OID) string {
	i := sort.Search(len(nomTable), func(i int) bool {
		e := &nomTable[i]
		return e.partition > p || (e.partition == p && e.code >= c)
	})
	if i < len(nomTable) && nomTable[i].partition == p && nomTable[i].code == c {
		return nomTable[i].name
	}
	return ""
}

// LookupName returns the partition and code of a reference identifier such as
// "MDC_DIM_MMHG".
func LookupName(name string) (Partition, OID, bool) {
	for i := range nomTable {
		if nomTable[i].name == name {
			return nomTable[i].partition, nomTable[i].code, true
		}
	}
	return 0, 0, false
}
