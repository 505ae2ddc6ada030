"""The EHR review app served at `/ehr/`: clinicians check, edit and sign the draft note (DESIGN.md, "Notes")."""

__all__ = ["router"]  # the module whose APIRouter the app mounts; the rest serve it
