"""cydicom.dask.scan on a local distributed cluster of two worker processes."""
import os

import pytest

from cydicom.scanning import scan
from tests.realfiles import pydicom_data_dir

dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

TEST_FILES = os.path.join(pydicom_data_dir(), "test_files")
TAGS = ["PatientID", "Rows", "ImagePositionPatient", "SliceThickness", "StudyDate"]


def test_partitions_and_types_match_the_single_process_scan():
    from cydicom import dask as cydicom_dask

    df = cydicom_dask.scan(TEST_FILES, TAGS, files_per_partition=40)
    expected = scan(TEST_FILES, TAGS).to_pandas()
    assert df.npartitions == -(-len(expected) // 40)
    assert dict(df.dtypes) == dict(expected.dtypes)


def test_two_worker_processes_give_the_single_process_table():
    from cydicom import dask as cydicom_dask

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        df = cydicom_dask.scan(TEST_FILES, TAGS, files_per_partition=30)
        result = client.compute(df).result().reset_index(drop=True)
        workers = client.run(os.getpid)
    assert len(set(workers.values())) == 2
    expected = scan(TEST_FILES, TAGS).to_pandas()
    assert result.equals(expected)
