"""The weekly early-warning brief (laporan deteksi dini) per province or kabupaten/kota."""
