//! FHIR R4 export and import (in progress).
