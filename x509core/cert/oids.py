"""Object identifiers of the certificate layer, each with its arc and where it is defined.

Attribute types: RFC 5280 §4.1.2.4 and Appendix A.1, RFC 4519, RFC 4524.
Extensions: RFC 5280 §4.2 (id-ce 2.5.29), §4.2.2 (id-pe 1.3.6.1.5.5.7.1).
Key purposes: RFC 5280 §4.2.1.12 (id-kp 1.3.6.1.5.5.7.3).
Machine binding: the seed system's private arc ``1.3.6.1.4.15967132172`` (its second-to-last arc
is above 2^32; ``1.3.6.1.4`` is iso.org.dod.internet.private, see ../shared/seed.md).
"""

from __future__ import annotations

from x509core.der import ObjectIdentifier

# -- attribute types (id-at 2.5.4, and others) ---------------------------------------------------
OID_COMMON_NAME = ObjectIdentifier("2.5.4.3")                   # id-at 3, CN
OID_SURNAME = ObjectIdentifier("2.5.4.4")                       # id-at 4, SN
OID_SERIAL_NUMBER = ObjectIdentifier("2.5.4.5")                 # id-at 5, serialNumber
OID_COUNTRY_NAME = ObjectIdentifier("2.5.4.6")                  # id-at 6, C
OID_LOCALITY_NAME = ObjectIdentifier("2.5.4.7")                 # id-at 7, L
OID_STATE_OR_PROVINCE_NAME = ObjectIdentifier("2.5.4.8")        # id-at 8, ST
OID_STREET_ADDRESS = ObjectIdentifier("2.5.4.9")                # id-at 9, street
OID_ORGANIZATION_NAME = ObjectIdentifier("2.5.4.10")            # id-at 10, O
OID_ORGANIZATIONAL_UNIT_NAME = ObjectIdentifier("2.5.4.11")     # id-at 11, OU
OID_TITLE = ObjectIdentifier("2.5.4.12")                        # id-at 12, title
OID_POSTAL_CODE = ObjectIdentifier("2.5.4.17")                  # id-at 17, postalCode
OID_GIVEN_NAME = ObjectIdentifier("2.5.4.42")                   # id-at 42, GN
OID_INITIALS = ObjectIdentifier("2.5.4.43")                     # id-at 43, initials
OID_GENERATION_QUALIFIER = ObjectIdentifier("2.5.4.44")         # id-at 44
OID_DN_QUALIFIER = ObjectIdentifier("2.5.4.46")                 # id-at 46, dnQualifier
OID_PSEUDONYM = ObjectIdentifier("2.5.4.65")                    # id-at 65
OID_ORGANIZATION_IDENTIFIER = ObjectIdentifier("2.5.4.97")      # id-at 97
OID_DOMAIN_COMPONENT = ObjectIdentifier("0.9.2342.19200300.100.1.25")   # RFC 4519 §2.4, DC
OID_USER_ID = ObjectIdentifier("0.9.2342.19200300.100.1.1")     # RFC 4519 §2.39, UID
OID_EMAIL_ADDRESS = ObjectIdentifier("1.2.840.113549.1.9.1")    # PKCS #9 emailAddress
OID_DESCRIPTION = ObjectIdentifier("2.5.4.13")                  # id-at 13, description
OID_BUSINESS_CATEGORY = ObjectIdentifier("2.5.4.15")            # id-at 15, businessCategory
OID_NAME = ObjectIdentifier("2.5.4.41")                         # id-at 41, name (X520name)
OID_JURISDICTION_LOCALITY_NAME = ObjectIdentifier("1.3.6.1.4.1.311.60.2.1.1")   # CA/B EV Guidelines §9.2.4, jurisdictionL
OID_JURISDICTION_STATE_OR_PROVINCE_NAME = ObjectIdentifier("1.3.6.1.4.1.311.60.2.1.2")  # jurisdictionST
OID_JURISDICTION_COUNTRY_NAME = ObjectIdentifier("1.3.6.1.4.1.311.60.2.1.3")  # jurisdictionC

# -- certificate extensions (id-ce 2.5.29) ------------------------------------------------------
OID_SUBJECT_DIRECTORY_ATTRIBUTES = ObjectIdentifier("2.5.29.9")  # id-ce 9
OID_SUBJECT_KEY_IDENTIFIER = ObjectIdentifier("2.5.29.14")      # id-ce 14
OID_KEY_USAGE = ObjectIdentifier("2.5.29.15")                   # id-ce 15
OID_SUBJECT_ALT_NAME = ObjectIdentifier("2.5.29.17")            # id-ce 17
OID_ISSUER_ALT_NAME = ObjectIdentifier("2.5.29.18")             # id-ce 18
OID_BASIC_CONSTRAINTS = ObjectIdentifier("2.5.29.19")           # id-ce 19
OID_CRL_NUMBER = ObjectIdentifier("2.5.29.20")                  # id-ce 20
OID_CRL_REASON = ObjectIdentifier("2.5.29.21")                  # id-ce 21
OID_INVALIDITY_DATE = ObjectIdentifier("2.5.29.24")             # id-ce 24
OID_DELTA_CRL_INDICATOR = ObjectIdentifier("2.5.29.27")         # id-ce 27
OID_ISSUING_DISTRIBUTION_POINT = ObjectIdentifier("2.5.29.28")  # id-ce 28
OID_CERTIFICATE_ISSUER = ObjectIdentifier("2.5.29.29")          # id-ce 29
OID_NAME_CONSTRAINTS = ObjectIdentifier("2.5.29.30")            # id-ce 30
OID_CRL_DISTRIBUTION_POINTS = ObjectIdentifier("2.5.29.31")     # id-ce 31
OID_CERTIFICATE_POLICIES = ObjectIdentifier("2.5.29.32")        # id-ce 32
OID_ANY_POLICY = ObjectIdentifier("2.5.29.32.0")                # anyPolicy
OID_POLICY_MAPPINGS = ObjectIdentifier("2.5.29.33")             # id-ce 33
OID_AUTHORITY_KEY_IDENTIFIER = ObjectIdentifier("2.5.29.35")    # id-ce 35
OID_POLICY_CONSTRAINTS = ObjectIdentifier("2.5.29.36")          # id-ce 36
OID_EXTENDED_KEY_USAGE = ObjectIdentifier("2.5.29.37")          # id-ce 37
OID_FRESHEST_CRL = ObjectIdentifier("2.5.29.46")                # id-ce 46
OID_INHIBIT_ANY_POLICY = ObjectIdentifier("2.5.29.54")          # id-ce 54

# -- private internet extensions (id-pe 1.3.6.1.5.5.7.1) and access methods (id-ad) -----------
OID_AUTHORITY_INFO_ACCESS = ObjectIdentifier("1.3.6.1.5.5.7.1.1")   # id-pe 1
OID_SUBJECT_INFO_ACCESS = ObjectIdentifier("1.3.6.1.5.5.7.1.11")    # id-pe 11
OID_AD_OCSP = ObjectIdentifier("1.3.6.1.5.5.7.48.1")                # id-ad 1
OID_AD_CA_ISSUERS = ObjectIdentifier("1.3.6.1.5.5.7.48.2")          # id-ad 2
OID_QT_CPS = ObjectIdentifier("1.3.6.1.5.5.7.2.1")                  # id-qt 1
OID_QT_UNOTICE = ObjectIdentifier("1.3.6.1.5.5.7.2.2")              # id-qt 2

# -- key purposes (id-kp 1.3.6.1.5.5.7.3), RFC 5280 §4.2.1.12 -------------------------------------
OID_ANY_EXTENDED_KEY_USAGE = ObjectIdentifier("2.5.29.37.0")        # anyExtendedKeyUsage
OID_SERVER_AUTH = ObjectIdentifier("1.3.6.1.5.5.7.3.1")             # id-kp 1
OID_CLIENT_AUTH = ObjectIdentifier("1.3.6.1.5.5.7.3.2")             # id-kp 2
OID_CODE_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.3")            # id-kp 3
OID_EMAIL_PROTECTION = ObjectIdentifier("1.3.6.1.5.5.7.3.4")        # id-kp 4
OID_TIME_STAMPING = ObjectIdentifier("1.3.6.1.5.5.7.3.8")           # id-kp 8
OID_OCSP_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.9")            # id-kp 9
OID_PKIX_OCSP_NOCHECK = ObjectIdentifier("1.3.6.1.5.5.7.48.1.5")    # id-pkix-ocsp 5, RFC 6960

# -- PKCS #9 / PKCS #10 -------------------------------------------------------------------------
OID_EXTENSION_REQUEST = ObjectIdentifier("1.2.840.113549.1.9.14")   # pkcs-9 14, RFC 2985 §5.4.2
OID_CHALLENGE_PASSWORD = ObjectIdentifier("1.2.840.113549.1.9.7")   # pkcs-9 7

# -- the seed system's machine binding (../shared/seed.md) ---------------------------------------
OID_MACHINE_IDENTITY = ObjectIdentifier("1.3.6.1.4.15967132172.1")
OID_MAC_ADDRESS = ObjectIdentifier("1.3.6.1.4.15967132172.2")

__all__ = sorted(name for name in globals() if name.startswith("OID_"))
