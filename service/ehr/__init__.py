"""The EHR review app served at `/ehr/`: clinicians check, edit and sign the draft note (DESIGN.md, "Notes")."""
