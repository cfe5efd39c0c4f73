"""Deterministic synthetic DICOM corpora for the cydicom benchmarks.

The files are written with pydicom's writer (this is only the data generator, never a
reading path under test) into a cache directory, by default
``<tempdir>/cydicom-bench/<name>``; a corpus is reused when its ``complete.json``
marker matches the requested parameters.

    python benchmarks/corpus.py [--files N] [--cache-dir DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import numpy as np
from pydicom.datadict import tag_for_keyword
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, PYDICOM_IMPLEMENTATION_UID, generate_uid

#: bump when the generated content changes, so stale caches are rebuilt
VERSION = 1
CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
ENHANCED_CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2.1"
MARKER = "complete.json"


def default_cache_dir() -> Path:
    """``$CYDICOM_BENCH_DIR`` or ``<tempdir>/cydicom-bench``."""
    env = os.environ.get("CYDICOM_BENCH_DIR")
    return Path(env) if env else Path(tempfile.gettempdir()) / "cydicom-bench"


def uid(*parts) -> str:
    """A deterministic UID derived from ``parts``."""
    return generate_uid(entropy_srcs=["cydicom-bench", *map(str, parts)])


def ds_(**elements) -> Dataset:
    """A Dataset from keyword arguments (unknown keywords are an error)."""
    ds = Dataset()
    for keyword, value in elements.items():
        if tag_for_keyword(keyword) is None:
            raise KeyError(f"unknown DICOM keyword {keyword!r}")
        setattr(ds, keyword, value)
    return ds


def seq(*items: Dataset) -> Sequence:
    return Sequence(list(items))


def code(value: str, scheme: str, meaning: str) -> Dataset:
    return ds_(CodeValue=value, CodingSchemeDesignator=scheme, CodeMeaning=meaning)


def mark_undefined_length(ds: Dataset) -> None:
    """Write every sequence and item of ``ds`` (recursively) with undefined length."""
    for elem in ds:
        if elem.VR == "SQ":
            elem.is_undefined_length = True
            for item in elem.value:
                item.is_undefined_length_sequence_item = True
                mark_undefined_length(item)


def file_meta(sop_class: str, sop_instance: str) -> FileMetaDataset:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_instance
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    meta.ImplementationVersionName = "CYDICOM_BENCH"
    return meta


def write(ds: Dataset, path: Path) -> None:
    """Write a Part 10 file atomically (temp name, then rename)."""
    tmp = path.with_name(path.name + ".tmp")
    ds.save_as(tmp, enforce_file_format=True)
    os.replace(tmp, path)


def patient_study_equipment(study: str) -> Dataset:
    """Patient, general study and general equipment modules, shared by all corpora."""
    return ds_(
        SpecificCharacterSet="ISO_IR 100",
        InstanceCreationDate="20240315",
        InstanceCreationTime="101500.000000",
        InstanceCreatorUID=uid("creator"),
        TimezoneOffsetFromUTC="+0100",
        StudyDate="20240315",
        StudyTime="101010.123000",
        AccessionNumber="ACC20240315001",
        ReferringPhysicianName="Referrer^Rachel^^Dr.",
        StudyDescription="CT CHEST ABDOMEN PELVIS W CONTRAST",
        StudyID="4711",
        StudyInstanceUID=uid("study", study),
        RequestingPhysician="Requester^Robert",
        ProcedureCodeSequence=seq(code("CTCAPW", "L", "CT Chest/Abd/Pelvis with contrast")),
        PatientName="Doe^Jane^Q",
        PatientID="PID-000123",
        IssuerOfPatientID="HOSPITAL-A",
        PatientBirthDate="19700101",
        PatientSex="F",
        PatientAge="054Y",
        PatientSize="1.68",
        PatientWeight="64.5",
        PatientIdentityRemoved="NO",
        Manufacturer="ACME Medical Systems",
        InstitutionName="General Hospital",
        InstitutionAddress="1 Hospital Road, Springfield",
        StationName="CTSCAN01",
        InstitutionalDepartmentName="Radiology",
        ManufacturerModelName="Acme CT 128",
        DeviceSerialNumber="SN-000042",
        SoftwareVersions=["VA20A", "SP3"],
        OperatorsName="Operator^Olivia",
        PerformedProcedureStepStartDate="20240315",
        PerformedProcedureStepStartTime="100900.000000",
        PerformedProcedureStepID="PPS-4711",
        PerformedProcedureStepDescription="CT Chest Abdomen Pelvis",
        RequestAttributesSequence=seq(
            ds_(RequestedProcedureID="RP-4711", ScheduledProcedureStepID="SPS-4711")
        ),
        ContrastBolusAgent="Iohexol 350",
        BodyPartExamined="CHEST",
        PatientPosition="FFS",
        ProtocolName="CAP_CONTRAST_1mm",
        FrameOfReferenceUID=uid("for", study),
        PositionReferenceIndicator="",
    )


def ct_dataset(i: int, n_series: int, per_series: int, base: np.ndarray) -> Dataset:
    """The i-th CT image: ~130 elements, series ``i // per_series``."""
    series, instance = divmod(i, per_series)
    signed = series % 2 == 0
    sop_uid = uid("ct", i)
    z = -100.0 - 1.25 * instance
    ds = patient_study_equipment("ct")
    ds.update(ds_(
        ImageType=["ORIGINAL", "PRIMARY", "AXIAL"],
        SOPClassUID=CT_IMAGE_STORAGE,
        SOPInstanceUID=sop_uid,
        SeriesDate="20240315",
        AcquisitionDate="20240315",
        ContentDate="20240315",
        SeriesTime="101200.000000",
        AcquisitionTime=f"1012{instance % 60:02d}.500000",
        ContentTime=f"1013{instance % 60:02d}.250000",
        AcquisitionDateTime=f"202403151012{instance % 60:02d}.500000",
        Modality="CT",
        SeriesDescription=f"Body {1.25 if series % 2 else 2.5} Series {series + 1}",
        SeriesInstanceUID=uid("series", series),
        SeriesNumber=series + 1,
        AcquisitionNumber=1,
        InstanceNumber=instance + 1,
        ImagesInAcquisition=per_series,
        IrradiationEventUID=uid("irradiation", series),
        ImageComments=f"synthetic benchmark image {i}",
        BurnedInAnnotation="NO",
        LossyImageCompression="00",
        ReferencedImageSequence=seq(
            ds_(ReferencedSOPClassUID=CT_IMAGE_STORAGE, ReferencedSOPInstanceUID=uid("scout", 0)),
            ds_(ReferencedSOPClassUID=CT_IMAGE_STORAGE, ReferencedSOPInstanceUID=uid("scout", 1)),
        ),
        AnatomicRegionSequence=seq(code("T-D3000", "SRT", "Chest")),
        # CT image module
        ScanOptions="HELICAL MODE",
        SliceThickness="1.25",
        KVP="120",
        DataCollectionDiameter="500",
        ReconstructionDiameter="380",
        DistanceSourceToDetector="1085.6",
        DistanceSourceToPatient="595",
        GantryDetectorTilt="0",
        TableHeight="158.5",
        RotationDirection="CW",
        ExposureTime="500",
        XRayTubeCurrent=250 + instance % 50,
        Exposure=125,
        FilterType="BODY FILTER",
        GeneratorPower=30,
        FocalSpots="1.2",
        ConvolutionKernel=["B30f", "STANDARD"],
        RevolutionTime=0.5,
        SingleCollimationWidth=0.625,
        TotalCollimationWidth=40.0,
        TableSpeed=79.0,
        TableFeedPerRotation=39.5,
        SpiralPitchFactor=0.984,
        DataCollectionCenterPatient=[0.0, -158.5, z],
        ReconstructionTargetCenterPatient=[0.0, -158.5, z],
        ExposureModulationType="XYZ_EC",
        CTDIvol=8.45,
        # image plane module
        PatientOrientation="",
        ImagePositionPatient=[-189.629, -347.129, z],
        ImageOrientationPatient=[1, 0, 0, 0, 1, 0],
        SliceLocation=f"{z:.2f}",
        PixelSpacing=[0.742188, 0.742188],
        # image pixel module
        SamplesPerPixel=1,
        PhotometricInterpretation="MONOCHROME2",
        Rows=base.shape[0],
        Columns=base.shape[1],
        BitsAllocated=16,
        BitsStored=12,
        HighBit=11,
        PixelRepresentation=1 if signed else 0,
        # VOI LUT and modality LUT
        WindowCenter=["40", "-600"],
        WindowWidth=["400", "1500"],
        WindowCenterWidthExplanation=["WINDOW1", "WINDOW2"],
        RescaleIntercept="-1024" if not signed else "0",
        RescaleSlope="1",
        RescaleType="HU",
    ))
    pixels = ((base + i) % 3072 - 1024).astype(np.int16) if signed else ((base + i) % 4096).astype(np.uint16)
    ds.SmallestImagePixelValue = int(pixels.min())
    ds.LargestImagePixelValue = int(pixels.max())
    # private block with its creator
    block = ds.private_block(0x0009, "ACME BENCH 1.0", create=True)
    block.add_new(0x01, "LO", "ACME private string")
    block.add_new(0x02, "DS", "3.14159")
    block.add_new(0x03, "UL", 123456 + i)
    block.add_new(0x04, "OB", bytes(range(16)))
    block = ds.private_block(0x0043, "ACME RECON", create=True)
    block.add_new(0x10, "SS", -5)
    block.add_new(0x11, "FD", [1.5, 2.5])
    ds.PixelData = pixels.tobytes()
    ds.file_meta = file_meta(CT_IMAGE_STORAGE, sop_uid)
    return ds


def _marker_ok(folder: Path, params: dict) -> bool:
    try:
        return json.loads((folder / MARKER).read_text()) == params
    except (OSError, ValueError):
        return False


def make_ct_corpus(n: int = 500, cache_dir: Path | None = None, *, n_series: int = 4,
                   rows: int = 512, columns: int = 512) -> list[Path]:
    """Generate (or reuse) ``n`` CT files in ``n_series`` series; return their paths."""
    folder = Path(cache_dir or default_cache_dir()) / f"ct-{n}-{rows}x{columns}"
    paths = [folder / f"ct_{i:05d}.dcm" for i in range(n)]
    params = {"version": VERSION, "n": n, "n_series": n_series, "rows": rows, "columns": columns}
    if _marker_ok(folder, params):
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).unlink(missing_ok=True)
    per_series = -(-n // n_series)
    base = np.add.outer(np.arange(rows) * 3, np.arange(columns) * 5).astype(np.int32)
    for i, path in enumerate(paths):
        write(ct_dataset(i, n_series, per_series, base), path)
    (folder / MARKER).write_text(json.dumps(params))
    return paths


def enhanced_ct_dataset(frames: int, rows: int, columns: int) -> Dataset:
    """An Enhanced CT image with shared and per-frame functional groups."""
    sop_uid = uid("enhanced", frames, rows, columns)
    ds = patient_study_equipment("enhanced")
    ds.update(ds_(
        ImageType=["ORIGINAL", "PRIMARY", "AXIAL", "NONE"],
        SOPClassUID=ENHANCED_CT_IMAGE_STORAGE,
        SOPInstanceUID=sop_uid,
        SeriesDate="20240315",
        SeriesTime="101200.000000",
        ContentDate="20240315",
        ContentTime="101300.000000",
        AcquisitionDateTime="20240315101200.000000",
        Modality="CT",
        SeriesDescription="Enhanced CT 1.25mm",
        SeriesInstanceUID=uid("enhanced-series"),
        SeriesNumber=10,
        InstanceNumber=1,
        AcquisitionNumber=1,
        ContentQualification="PRODUCT",
        BurnedInAnnotation="NO",
        LossyImageCompression="00",
        PresentationLUTShape="IDENTITY",
        NumberOfFrames=frames,
        SamplesPerPixel=1,
        PhotometricInterpretation="MONOCHROME2",
        Rows=rows,
        Columns=columns,
        BitsAllocated=16,
        BitsStored=12,
        HighBit=11,
        PixelRepresentation=0,
        DimensionOrganizationSequence=seq(ds_(DimensionOrganizationUID=uid("dimorg"))),
        DimensionIndexSequence=seq(
            ds_(DimensionOrganizationUID=uid("dimorg"), DimensionIndexPointer=0x00209056,
                FunctionalGroupPointer=0x00209111, DimensionDescriptionLabel="Stack ID"),
            ds_(DimensionOrganizationUID=uid("dimorg"), DimensionIndexPointer=0x00209057,
                FunctionalGroupPointer=0x00209111, DimensionDescriptionLabel="In-Stack Position"),
        ),
        SharedFunctionalGroupsSequence=seq(ds_(
            CTImageFrameTypeSequence=seq(ds_(
                FrameType=["ORIGINAL", "PRIMARY", "AXIAL", "NONE"], PixelPresentation="MONOCHROME",
                VolumetricProperties="VOLUME", VolumeBasedCalculationTechnique="NONE")),
            CTAcquisitionTypeSequence=seq(ds_(
                AcquisitionType="SPIRAL", TubeAngle=0.0, ConstantVolumeFlag="NO", FluoroscopyFlag="NO")),
            CTReconstructionSequence=seq(ds_(
                ReconstructionAlgorithm="ITERATIVE", ConvolutionKernel="B30f",
                ConvolutionKernelGroup="SOFT_TISSUE", ReconstructionFieldOfView=[380.0, 380.0],
                ReconstructionPixelSpacing=[1.484375, 1.484375], ReconstructionAngle=360.0,
                ImageFilter="NONE")),
            CTXRayDetailsSequence=seq(ds_(KVP="120", FilterType="BODY FILTER", FocalSpots="1.2")),
            PixelValueTransformationSequence=seq(ds_(
                RescaleIntercept="-1024", RescaleSlope="1", RescaleType="HU")),
        )),
    ))
    items = []
    for f in range(frames):
        z = -100.0 - 1.25 * f
        items.append(ds_(
            FrameContentSequence=seq(ds_(
                FrameAcquisitionNumber=1,
                FrameReferenceDateTime=f"20240315101200.{f:06d}",
                FrameAcquisitionDateTime=f"20240315101200.{f:06d}",
                FrameAcquisitionDuration=500.0,
                StackID="1",
                InStackPositionNumber=f + 1,
                DimensionIndexValues=[1, f + 1])),
            PlanePositionSequence=seq(ds_(ImagePositionPatient=[-189.629, -347.129, z])),
            PlaneOrientationSequence=seq(ds_(ImageOrientationPatient=[1, 0, 0, 0, 1, 0])),
            PixelMeasuresSequence=seq(ds_(PixelSpacing=[1.484375, 1.484375], SliceThickness="1.25")),
            CTPositionSequence=seq(ds_(
                TablePosition=-z, DataCollectionCenterPatient=[0.0, -158.5, z],
                ReconstructionTargetCenterPatient=[0.0, -158.5, z])),
            CTExposureSequence=seq(ds_(
                ExposureTimeInms=500.0, XRayTubeCurrentInmA=250.0 + f % 50,
                ExposureInmAs=125.0, CTDIvol=8.45)),
            FrameVOILUTSequence=seq(ds_(
                WindowCenter="40", WindowWidth="400", WindowCenterWidthExplanation="SOFT")),
        ))
    ds.PerFrameFunctionalGroupsSequence = Sequence(items)
    frame = np.add.outer(np.arange(rows) * 3, np.arange(columns) * 5)
    ds.PixelData = ((frame[None] + np.arange(frames)[:, None, None]) % 4096).astype(np.uint16).tobytes()
    ds.file_meta = file_meta(ENHANCED_CT_IMAGE_STORAGE, sop_uid)
    return ds


def make_multiframe(cache_dir: Path | None = None, *, frames: int = 200, rows: int = 256,
                    columns: int = 256, undefined_length: bool = True) -> Path:
    """Generate (or reuse) the enhanced multi-frame file; return its path.

    With ``undefined_length`` every sequence and item is delimiter-terminated, as many
    scanners write them; otherwise all lengths are explicit.
    """
    kind = "undef" if undefined_length else "defined"
    folder = Path(cache_dir or default_cache_dir()) / f"enhanced-{frames}f-{rows}x{columns}-{kind}"
    path = folder / "enhanced_ct.dcm"
    params = {"version": VERSION, "frames": frames, "rows": rows, "columns": columns, "kind": kind}
    if _marker_ok(folder, params):
        return path
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).unlink(missing_ok=True)
    ds = enhanced_ct_dataset(frames, rows, columns)
    if undefined_length:
        mark_undefined_length(ds)
    write(ds, path)
    (folder / MARKER).write_text(json.dumps(params))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=500, help="CT files (default 500)")
    parser.add_argument("--cache-dir", type=Path, default=None)
    args = parser.parse_args()
    ct = make_ct_corpus(args.files, args.cache_dir)
    print(f"{len(ct)} CT files in {ct[0].parent}")
    for undefined in (True, False):
        print(make_multiframe(args.cache_dir, undefined_length=undefined))


if __name__ == "__main__":
    main()
