//! `--patient`, `--family`, `--given`, `--dob`… as the patient details they stand for.

use crate::cli::PatientArgs;
use crate::entries::TypedPatient;

/// The options as typed; the entry service checks them.
pub fn typed_patient(args: &PatientArgs) -> TypedPatient {
    TypedPatient {
        nhs_number: args.patient.clone(),
        family_name: args.family.clone(),
        given_name: args.given.clone(),
        date_of_birth: args.dob.clone(),
        sex: args.sex.clone(),
        postcode: args.postcode.clone(),
    }
}

pub fn given(args: &PatientArgs) -> bool {
    [&args.patient, &args.family, &args.given, &args.dob].iter().any(|a| a.is_some())
}
