// The Android patient app: the shared Compose screens (../ui) in an Activity, over the Kotlin
// library (:thecal). Not built here (no Android SDK, no Google Maven): see app/README.md.
plugins {
    id("com.android.application")
    id("org.jetbrains.kotlin.android")
    id("org.jetbrains.kotlin.plugin.compose")
}

android {
    namespace = "org.thecal.app"
    compileSdk = 35

    defaultConfig {
        applicationId = "org.thecal.app"
        minSdk = 26 // java.time in the bindings, as the library
        targetSdk = 35
        versionCode = 1
        versionName = "0.1.0"
    }

    // The screens are shared with the desktop runner (android/desktop, a Maven build): one copy,
    // in android/ui.
    sourceSets["main"].kotlin.srcDir("../ui/src/main/kotlin")

    buildFeatures { compose = true }

    buildTypes {
        release {
            isMinifyEnabled = true
            proguardFiles(getDefaultProguardFile("proguard-android-optimize.txt"))
        }
    }

    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
}

kotlin {
    jvmToolchain(17)
}

dependencies {
    implementation(project(":thecal"))
    implementation(platform("androidx.compose:compose-bom:2025.11.01"))
    implementation("androidx.compose.ui:ui")
    implementation("androidx.compose.foundation:foundation")
    implementation("androidx.compose.material3:material3")
    implementation("androidx.activity:activity-compose:1.11.0")
    implementation("androidx.lifecycle:lifecycle-viewmodel-compose:2.9.4")
    implementation("org.jetbrains.kotlinx:kotlinx-coroutines-android:1.11.0")
    // The ID card's QR code (as on the desktop).
    implementation("com.google.zxing:core:3.5.3")
}
