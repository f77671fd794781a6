/**
 * DN attribute types: openssl's short names (what `-nameopt RFC2253` prints) and their OIDs.
 * A type openssl does not know is printed as a dotted OID with a hex-dumped value, so the table
 * has to cover what openssl names, or formatDn and openssl would disagree on the rendering.
 */
interface AttributeType {
  /** openssl's short name: the rendering. */
  name: string;
  oid: string;
  /** Other names accepted when parsing (compared case-insensitively). */
  aliases?: string[];
}

const TYPES: AttributeType[] = [
  { name: 'CN', oid: '2.5.4.3', aliases: ['commonName'] },
  { name: 'SN', oid: '2.5.4.4', aliases: ['surname'] },
  { name: 'serialNumber', oid: '2.5.4.5' },
  { name: 'C', oid: '2.5.4.6', aliases: ['countryName'] },
  { name: 'L', oid: '2.5.4.7', aliases: ['localityName'] },
  { name: 'ST', oid: '2.5.4.8', aliases: ['stateOrProvinceName', 'S'] },
  { name: 'street', oid: '2.5.4.9', aliases: ['streetAddress'] },
  { name: 'O', oid: '2.5.4.10', aliases: ['organizationName'] },
  { name: 'OU', oid: '2.5.4.11', aliases: ['organizationalUnitName'] },
  { name: 'title', oid: '2.5.4.12' },
  { name: 'description', oid: '2.5.4.13' },
  { name: 'businessCategory', oid: '2.5.4.15' },
  { name: 'postalAddress', oid: '2.5.4.16' },
  { name: 'postalCode', oid: '2.5.4.17' },
  { name: 'name', oid: '2.5.4.41' },
  { name: 'GN', oid: '2.5.4.42', aliases: ['givenName'] },
  { name: 'initials', oid: '2.5.4.43' },
  { name: 'generationQualifier', oid: '2.5.4.44' },
  { name: 'x500UniqueIdentifier', oid: '2.5.4.45' },
  { name: 'dnQualifier', oid: '2.5.4.46' },
  { name: 'pseudonym', oid: '2.5.4.65' },
  { name: 'role', oid: '2.5.4.72' },
  { name: 'organizationIdentifier', oid: '2.5.4.97' },
  { name: 'UID', oid: '0.9.2342.19200300.100.1.1', aliases: ['userId'] },
  { name: 'DC', oid: '0.9.2342.19200300.100.1.25', aliases: ['domainComponent'] },
  { name: 'emailAddress', oid: '1.2.840.113549.1.9.1', aliases: ['E', 'email'] },
  { name: 'jurisdictionL', oid: '1.3.6.1.4.1.311.60.2.1.1' },
  { name: 'jurisdictionST', oid: '1.3.6.1.4.1.311.60.2.1.2' },
  { name: 'jurisdictionC', oid: '1.3.6.1.4.1.311.60.2.1.3' },
];

const byOid = new Map(TYPES.map((t) => [t.oid, t]));
const byLowerName = new Map<string, AttributeType>();
for (const t of TYPES) {
  byLowerName.set(t.name.toLowerCase(), t);
  for (const alias of t.aliases ?? []) byLowerName.set(alias.toLowerCase(), t);
}

const DOTTED_OID = /^(?:oid\.)?([0-2](?:\.(?:0|[1-9][0-9]*))+)$/i;

/**
 * The canonical spelling of an attribute type: openssl's short name when it has one, else the
 * dotted OID. Undefined for a name that is neither.
 */
export function canonicalAttributeType(type: string): string | undefined {
  const dotted = DOTTED_OID.exec(type);
  if (dotted?.[1] !== undefined) return byOid.get(dotted[1])?.name ?? dotted[1];
  return byLowerName.get(type.toLowerCase())?.name;
}

/** The OID of an attribute type given by short name, alias or dotted OID. */
export function attributeTypeOid(type: string): string | undefined {
  const dotted = DOTTED_OID.exec(type);
  if (dotted?.[1] !== undefined) return dotted[1];
  return byLowerName.get(type.toLowerCase())?.oid;
}

/** The short name openssl prints for an OID, or undefined when it prints the dotted OID. */
export function attributeShortName(oid: string): string | undefined {
  return byOid.get(oid)?.name;
}
