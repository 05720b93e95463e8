// Package ieee11073 implements the ISO/IEEE 11073-20601 optimized exchange protocol for
// personal health devices: the MDER codec for every APDU and attribute type, FLOAT-Type and
// SFLOAT-Type, the 11073-10101 nomenclature codes, and the standard and extended
// configurations of the main device specializations.
package ieee11073
